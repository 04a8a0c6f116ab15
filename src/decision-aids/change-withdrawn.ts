import type { CodeableConcept, Resource } from '@medplum/fhirtypes';
import type { EpdClient } from '../epd/epd-client.js';
import { EpdError } from '../epd/epd-error.js';
import { TASK_STATUS_REASON_SYSTEM } from './contact-hold.js';

/** Statuses by which a record says "this change no longer stands" (request, encounter, observation). */
const WITHDRAWN_STATUSES = new Set(['cancelled', 'entered-in-error', 'revoked']);

/** Why a waiting invitation is no longer wanted; undefined: the change still stands. */
export type Withdrawal = 'deleted' | 'cancelled' | 'entered-in-error' | undefined;

/**
 * Reads the current version of the change an invitation is about (the focus without its version).
 * Why at delivery: a change deleted, cancelled or entered in error during the reflection time must
 * not reach the family, whichever route told us (a delete notification, a poll, or none at all).
 *
 * Only the EPD's own word makes a change deleted: 410 Gone, or a history whose newest entry is a
 * delete. A bare 404 is retried (and in the end fails the job, visibly): a server with read-after-
 * write lag, a read replica behind, or an id the server re-based answers 404 for a change that
 * stands, and taking that for a delete would drop a real invitation without a trace.
 */
export async function readWithdrawal(epd: EpdClient, focus: string): Promise<Withdrawal> {
  const reference = withoutVersion(focus);
  let current: Resource;
  try {
    current = await epd.read<Resource>(reference);
  } catch (err) {
    if (!(err instanceof EpdError) || (err.status !== 404 && err.status !== 410)) throw err;
    if (err.status === 410 || (await epd.historyEndsDeleted?.(reference))) return 'deleted';
    throw new EpdError(
      'EPD answered 404 for the change of this invitation without saying it was deleted (no 410, no delete in its history); tried again',
      { status: 404, retry: true, code: 'not-found', cause: err },
    );
  }
  return withdrawalOf(current);
}

/** The withdrawal a resource's own status says, if any. Pure. */
export function withdrawalOf(resource: Resource): Withdrawal {
  const status = (resource as { status?: unknown }).status;
  if (typeof status === 'string' && WITHDRAWN_STATUSES.has(status))
    return status === 'entered-in-error' ? 'entered-in-error' : 'cancelled';
  // Condition has no status; its verificationStatus says when it was entered in error.
  const verification = (resource as { verificationStatus?: { coding?: { code?: string }[] } }).verificationStatus;
  if (verification?.coding?.some((c) => c.code === 'entered-in-error')) return 'entered-in-error';
  return undefined;
}

function withoutVersion(reference: string): string {
  return reference.split('/_history/')[0] ?? reference;
}

/** Dutch, as the care team reads it on a cancelled invitation Task: why it was never sent. */
export function withdrawnStatusReason(withdrawal: NonNullable<Withdrawal>): CodeableConcept {
  const text: Record<NonNullable<Withdrawal>, string> = {
    deleted: 'De wijziging is binnen de bedenktijd verwijderd; de uitnodiging is niet verstuurd.',
    cancelled: 'De wijziging is binnen de bedenktijd geannuleerd; de uitnodiging is niet verstuurd.',
    'entered-in-error':
      'De wijziging is binnen de bedenktijd als foutief gemarkeerd; de uitnodiging is niet verstuurd.',
  };
  return {
    coding: [{ system: TASK_STATUS_REASON_SYSTEM, code: `change-${withdrawal}`, display: 'Wijziging ingetrokken' }],
    text: text[withdrawal],
  };
}
