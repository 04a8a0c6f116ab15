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
 */
export async function readWithdrawal(epd: EpdClient, focus: string): Promise<Withdrawal> {
  let current: Resource;
  try {
    current = await epd.read<Resource>(withoutVersion(focus));
  } catch (err) {
    if (err instanceof EpdError && (err.status === 404 || err.status === 410)) return 'deleted';
    throw err;
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
