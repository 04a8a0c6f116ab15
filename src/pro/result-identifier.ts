import { createHash } from 'node:crypto';
import type { Identifier } from '@medplum/fhirtypes';
import { RESULT_ID_SYSTEM } from './pro-codes.js';

/** A platform's own part of an identifier is kept when it is this plain; anything else is hashed. */
const PLAIN_PART = /^[A-Za-z0-9._\-/]{1,128}$/;

/**
 * The identifier the service writes for a result of `aidId` to `invitationId`. Why a namespace:
 * a platform chooses its result ids, and a conditional create on a platform-chosen identifier
 * matched another aid's (or another patient's) response. Prefixing aid and invitation — both set
 * by the service, neither containing `/` — makes the platform's id count only inside its own
 * invitation, so no platform can name a resource written for anyone else.
 */
export function scopedResultIdentifier(
  given: Identifier,
  aidId: string,
  invitationId: string,
): { system: string; value: string } {
  const ownPrefix = `${aidId}/`;
  const platformPart =
    given.system === RESULT_ID_SYSTEM && given.value?.startsWith(ownPrefix)
      ? given.value.slice(ownPrefix.length)
      : `response/${digest(`${given.system ?? ''}|${given.value ?? ''}`)}`;
  const part = PLAIN_PART.test(platformPart) ? platformPart : `h-${digest(platformPart)}`;
  return { system: RESULT_ID_SYSTEM, value: `${aidId}/${invitationId}/${part}` };
}

/** True when `identifier` lies in the namespace of this aid and invitation. */
export function isScopedTo(identifier: Identifier | undefined, aidId: string, invitationId: string): boolean {
  return identifier?.system === RESULT_ID_SYSTEM && !!identifier.value?.startsWith(`${aidId}/${invitationId}/`);
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}
