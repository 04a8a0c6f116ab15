import { createHmac } from 'node:crypto';

/** What makes an invitation one and the same, whichever route and source brought the change. */
export interface InvitationKey {
  /** The EPD's base URL. */
  epdBase: string;
  /** `Type/id/_history/vid` (or `Type/id`) of the change. */
  focus: string;
  triggerId: string;
  /** `Patient/id` or `RelatedPerson/id` of the recipient; `Patient/id#contact-…` for a Patient.contact, `Patient/id#no-representative` for the on-hold Task without one. */
  recipient: string;
}

/** Hex characters kept of the HMAC: 128 bits, far beyond any collision among a hospital's invitations. */
const ID_HEX_LENGTH = 32;

/**
 * The invitation id: `inv-` + HMAC-SHA256 of the key under a secret of this service. It is the
 * job id, the platform's `Idempotency-Key` and the Task identifier. Why keyed: the inputs (EPD ids,
 * trigger ids) are guessable, and a plain hash would let a platform, or anyone who sees an id,
 * recompute the ids of other patients' invitations; without the secret nobody can. Changing the
 * secret changes every id from then on (see docs/reliability.md).
 */
export function invitationIdFor(secret: string, key: InvitationKey): string {
  if (!secret) throw new Error('invitation id secret is empty');
  const natural = `${key.epdBase}|${key.focus}|${key.triggerId}|${key.recipient}`;
  return `inv-${createHmac('sha256', secret).update(natural, 'utf8').digest('hex').slice(0, ID_HEX_LENGTH)}`;
}

/**
 * The secret invitation ids are made with when `INVITATION_ID_SECRET` is not set: derived from the
 * pseudonym secret under a fixed label, so the two never coincide and neither reveals the other.
 */
export function derivedInvitationIdSecret(pseudonymSecret: string): string {
  return createHmac('sha256', pseudonymSecret).update('sdm-bridge invitation ids', 'utf8').digest('hex');
}
