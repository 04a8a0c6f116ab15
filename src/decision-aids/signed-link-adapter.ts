import { createHmac, timingSafeEqual } from 'node:crypto';
import type { DecisionAid, DeliveryConfig, RecipientRole } from '../rules/types.js';
import { AppError } from '../shared/errors.js';
import type {
  CreatedInvitation,
  InvitationAdapter,
  InvitationAdapterDeps,
  InvitationRequest,
} from './invitation-adapter.js';

type SignedLinkDelivery = Extract<DeliveryConfig, { type: 'signed-link' }>;

/** The query parameter that carries the signature; every other parameter is signed. */
const SIGNATURE_PARAM = 'sig';

/** Parameters a valid link must carry: invitation, pseudonym, role, expiry (unix seconds). */
const REQUIRED_PARAMS = ['inv', 'sub', 'role', 'exp'] as const;

/** What goes into a signed link. */
export interface SignedLinkParams {
  invitationId: string;
  subjectPseudonym: string;
  recipientRole: RecipientRole;
  /** Unix time in seconds after which the link is refused. */
  expiresAtSeconds: number;
}

/** The outcome of checking a link; `reason` says in plain words why it was refused. */
export interface SignedLinkCheck {
  valid: boolean;
  reason?: string;
}

/**
 * The adapter for an aid without an API: the invitation is just a link to the aid, signed with the
 * aid's shared secret so the aid can trust who it is for and until when, without any call between
 * the two systems. The link holds the pseudonym, never a BSN, name or EPD id.
 */
export function createSignedLinkAdapter(
  aid: DecisionAid,
  delivery: SignedLinkDelivery,
  deps: InvitationAdapterDeps = {},
): InvitationAdapter {
  const now = deps.now ?? (() => new Date());
  return {
    // async so that a refusal arrives as a rejected promise, like every other adapter failure
    async createInvitation(request: InvitationRequest): Promise<CreatedInvitation> {
      const expiresAtSeconds = expirySeconds(aid.id, request.expiresAt, now().getTime() + delivery.validForMs);
      const link = buildSignedLink(
        delivery.baseUrl,
        {
          invitationId: request.invitationId,
          subjectPseudonym: request.subjectPseudonym,
          recipientRole: request.recipientRole,
          expiresAtSeconds,
        },
        delivery.secret,
      );
      return { link, expiresAt: new Date(expiresAtSeconds * 1000).toISOString() };
    },
  };
}

/** `baseUrl` with `inv`, `sub`, `role`, `exp` and `sig` (base64url HMAC-SHA256 over the canonical query) added. */
export function buildSignedLink(baseUrl: string, params: SignedLinkParams, secret: string): string {
  const url = new URL(baseUrl);
  url.searchParams.delete(SIGNATURE_PARAM);
  url.searchParams.set('inv', params.invitationId);
  url.searchParams.set('sub', params.subjectPseudonym);
  url.searchParams.set('role', params.recipientRole);
  url.searchParams.set('exp', String(params.expiresAtSeconds));
  url.searchParams.set(SIGNATURE_PARAM, sign(canonicalQuery(url.searchParams), secret));
  return url.toString();
}

/**
 * Checks a signed link: signature (constant-time), presence of the required parameters, expiry.
 * Any changed, added or removed parameter (also one of the base URL's own) breaks the signature.
 */
export function verifySignedLink(url: string, secret: string, now: Date): SignedLinkCheck {
  if (!URL.canParse(url)) return { valid: false, reason: 'not a URL' };
  const params = new URL(url).searchParams;
  const signatures = params.getAll(SIGNATURE_PARAM);
  if (signatures.length !== 1)
    return { valid: false, reason: signatures.length ? 'more than one signature' : 'missing signature' };
  params.delete(SIGNATURE_PARAM);
  if (!sameSignature(signatures[0] ?? '', sign(canonicalQuery(params), secret))) {
    return { valid: false, reason: 'bad signature' };
  }
  // Checked after the signature so the reasons below are only given for links this service made.
  for (const name of REQUIRED_PARAMS) {
    if (params.getAll(name).length !== 1) return { valid: false, reason: `missing or repeated parameter: ${name}` };
  }
  const exp = params.get('exp') ?? '';
  if (!/^\d+$/.test(exp)) return { valid: false, reason: 'expiry is not a unix time' };
  if (now.getTime() >= Number(exp) * 1000) return { valid: false, reason: 'expired' };
  return { valid: true };
}

/**
 * The signed text: all parameters but the signature, sorted by name and then value, percent-encoded,
 * joined with `&`. Why sorted: the order of query parameters may change on the way (proxies, link
 * rewriters in mail); their content may not.
 */
export function canonicalQuery(params: URLSearchParams): string {
  return [...params]
    .filter(([name]) => name !== SIGNATURE_PARAM)
    .sort(([an, av], [bn, bv]) => compare(an, bn) || compare(av, bv))
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
    .join('&');
}

function sign(text: string, secret: string): string {
  if (!secret) throw new AppError('signed-link secret is empty', { status: 500, retry: false, code: 'security' });
  return createHmac('sha256', secret).update(text, 'utf8').digest('base64url');
}

function sameSignature(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  // timingSafeEqual needs equal lengths; the length of an HMAC is public, so this check leaks nothing.
  return a.length === b.length && timingSafeEqual(a, b);
}

function expirySeconds(aidId: string, requested: string | undefined, fallbackMs: number): number {
  if (requested === undefined) return Math.floor(fallbackMs / 1000);
  const ms = Date.parse(requested);
  if (Number.isNaN(ms)) {
    throw new AppError(`decision aid ${aidId}: expiresAt is not a date-time`, {
      status: 500,
      retry: false,
      code: 'value',
    });
  }
  return Math.floor(ms / 1000);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
