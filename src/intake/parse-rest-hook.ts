import { badInput } from '../shared/errors.js';
import { buildEvent, contentKey, type IntakeContext } from './build-event.js';
import { parseNotification, type ParsedNotification } from './parse-notification.js';
import { isFhirId, isResourceType } from './reference-parts.js';

/**
 * The classic R4 rest-hook: the EPD sends `PUT|POST [endpoint]/{type}/{id}`, with the changed
 * resource as the body (payload) or without a body (id-only). With a body it is read as a bare
 * resource, which must be the one the URL names; without one, the resource is read from the EPD
 * by the events job, as for an id-only subscription notification.
 */
export function parseRestHook(resourceType: string, id: string, body: unknown, ctx: IntakeContext): ParsedNotification {
  if (!isResourceType(resourceType) || !isFhirId(id))
    throw badInput(404, `${resourceType}/${id} is not a FHIR resource type and id`);
  const reference = `${resourceType}/${id}`;
  if (body !== undefined) {
    const parsed = parseNotification(body, ctx);
    const named = parsed.kind === 'events' ? parsed.events.map((event) => event.reference) : [];
    if (named.length !== 1 || named[0] !== reference)
      throw badInput(422, `the body is not ${reference}, the resource the URL names`, [
        { code: 'invalid', message: `the body must be ${reference}`, expression: 'resourceType' },
      ]);
    return parsed;
  }
  const occurredAt = ctx.receivedAt;
  const unversionedKey = contentKey(ctx, reference, undefined, { method: 'rest-hook', occurredAt });
  const target = { resourceType, id, reference };
  return {
    kind: 'events',
    events: [buildEvent({ shape: 'resource', target, occurredAt, unversionedKey }, ctx)],
    eventNumbers: [],
  };
}
