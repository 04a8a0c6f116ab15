import { badInput } from '../shared/errors.js';
import { buildEvent, type IntakeContext } from './build-event.js';
import type { ParsedNotification } from './parsed-notification.js';
import { parseReference } from './reference-parts.js';

/** The header a Medplum rest-hook Subscription sends (with an `{}` body) when the resource was deleted. */
export const DELETED_RESOURCE_HEADER = 'x-medplum-deleted-resource';

/**
 * A delete notification as Medplum's rest-hook sends it: `{}` as the body and the deleted resource
 * in a header. Why accepted (2xx) and not refused: the sender retries a refusal, and a delete is a
 * change that counts (it cancels the invitations still waiting for it). Throws 422 for a header
 * that names no resource.
 */
export function parseDeletedResource(header: string, ctx: IntakeContext): ParsedNotification {
  const target = parseReference(header.trim());
  if (!target) {
    throw badInput(422, 'not a usable delete notification', [
      { code: 'value', message: 'the deleted-resource header names no resource', expression: DELETED_RESOURCE_HEADER },
    ]);
  }
  const draft = {
    shape: 'resource' as const,
    target: { ...target, versionId: undefined },
    method: 'DELETE',
    occurredAt: ctx.receivedAt,
    // One key per deleted resource: a redelivered delete is the same event.
    unversionedKey: `${ctx.epdBase}|${target.reference}|deleted`,
  };
  return { kind: 'events', events: [buildEvent(draft, ctx)], eventNumbers: [] };
}
