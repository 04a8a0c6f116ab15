import { createHmac } from 'node:crypto';
import type { DecisionAid, KeyMoment, RecipientRole } from '../rules/types.js';
import { AppError } from '../shared/errors.js';
import { createHttpApiAdapter } from './http-api-adapter.js';
import { createSignedLinkAdapter } from './signed-link-adapter.js';

/** What an adapter needs to create one invitation. Carries a pseudonym, never a BSN or EPD id. */
export interface InvitationRequest {
  /** Deterministic per (event, trigger, recipient): the platform's idempotency key and the Task identifier. */
  invitationId: string;
  decisionAid: DecisionAid;
  keyMoment: KeyMoment;
  recipientRole: RecipientRole;
  /** See `subjectPseudonym`: stable per patient, meaningless outside this service. */
  subjectPseudonym: string;
  /** ISO 8601 instant after which the invitation should no longer be usable. */
  expiresAt?: string;
  /** Where the platform posts results back (the results webhook). */
  callbackUrl?: string;
}

/** The invitation as the platform made it. */
export interface CreatedInvitation {
  /** The link the recipient opens (also written into the Task). */
  link: string;
  expiresAt?: string;
  /** The platform's own id of the invitation, when it told us. */
  externalId?: string;
}

/** The port to one decision-aid platform. Failures are `DecisionAidError`s (see decision-aid-error.ts). */
export interface InvitationAdapter {
  createInvitation(request: InvitationRequest): Promise<CreatedInvitation>;
}

/** What adapters take from outside, so tests can pass a fake fetch and a fixed clock. */
export interface InvitationAdapterDeps {
  fetch?: typeof fetch;
  now?: () => Date;
}

/** The adapter for an aid, chosen by its `delivery.type`. */
export function createInvitationAdapter(aid: DecisionAid, deps: InvitationAdapterDeps = {}): InvitationAdapter {
  const delivery = aid.delivery;
  switch (delivery.type) {
    case 'http-api':
      return createHttpApiAdapter(aid, delivery, deps);
    case 'signed-link':
      return createSignedLinkAdapter(aid, delivery, deps);
    default:
      return assertNever(delivery);
  }
}

/**
 * A stable pseudonym for a patient at one decision aid: HMAC-SHA256 under a secret of this service
 * of `v2|<aid id>|Patient/id`, base64url. Why keyed: EPD ids are guessable, and a plain hash of a
 * guessable input can be reversed by trying them. Why per aid: with one pseudonym for all aids,
 * two platforms could link their patients; now the same patient is unrelated at each aid. (The
 * `v2|` prefix keeps these apart from the shared pseudonyms handed out before: docs/security.md.)
 */
export function subjectPseudonym(patientReference: string, aidId: string, secret: string): string {
  if (!secret) throw new AppError('pseudonym secret is empty', { status: 500, retry: false, code: 'security' });
  return createHmac('sha256', secret).update(`v2|${aidId}|${patientReference}`, 'utf8').digest('base64url');
}

function assertNever(value: never): never {
  const type = (value as { type?: unknown }).type;
  throw new AppError(`unknown delivery type: ${String(type)}`, { status: 500, retry: false, code: 'not-supported' });
}
