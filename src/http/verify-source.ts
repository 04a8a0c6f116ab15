import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IntakeSource } from '../config/load-config.js';

/** The header a signing sender puts its signature in: `v1=<hex HMAC-SHA256 of "<timestamp>.<body>">`. */
export const SIGNATURE_HEADER = 'x-sdm-signature';
/** The header with the moment of signing, in Unix seconds; it is part of what is signed. */
export const TIMESTAMP_HEADER = 'x-sdm-timestamp';
/** Signatures older, or further in the future, than this are refused (SIGNATURE_MAX_AGE_SECONDS). */
export const DEFAULT_SIGNATURE_MAX_AGE_SECONDS = 300; // Stripe's and Slack's window: clock drift fits, a replay a day later does not

/** The version tag of the signature scheme; a later scheme gets `v2=` and both can be sent at once. */
const SCHEME = 'v1';
// Unix seconds as digits only: no sign, no fraction, no exponent that Number() would also accept.
const UNIX_SECONDS = /^\d{1,12}$/;
/** Signature values read from one header: two secrets during a rotation, with room to spare; more is noise. */
const MAX_SIGNATURES = 4;

/** What the caller presented. */
export interface PresentedCredentials {
  authorization?: string;
  signature?: string;
  timestamp?: string;
  rawBody: Buffer;
  /** The current time in ms since the epoch (default: the clock). */
  now?: number;
}

/**
 * Finds the configured source whose credential the request carries, or undefined. Every candidate
 * is checked (no early exit on the first match) and compared in constant time. A signature counts
 * only with a timestamp inside the source's window, so a captured request cannot be replayed later.
 */
export function verifySource(
  sources: readonly IntakeSource[],
  presented: PresentedCredentials,
): IntakeSource | undefined {
  const now = presented.now ?? Date.now();
  const signatures = signaturesOf(presented.signature);
  let match: IntakeSource | undefined;
  for (const source of sources) {
    const { auth } = source;
    const ok =
      auth.type === 'bearer'
        ? safeEqual(bearerToken(presented.authorization), auth.token)
        : isFresh(presented.timestamp, now, auth.maxAgeSeconds ?? DEFAULT_SIGNATURE_MAX_AGE_SECONDS) &&
          signedBy(auth.secret, presented.timestamp ?? '', presented.rawBody, signatures);
    if (ok && !match) match = source;
  }
  return match;
}

/** HMAC-SHA256 in hex of `<timestamp>.<body>`: the signed payload of scheme v1. */
export function signatureHex(secret: string, timestamp: string, body: Buffer | string): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

/** The two headers a sender adds to sign `body` now (the tests use it; docs/security.md shows the same in shell). */
export function signRequest(secret: string, body: Buffer | string, now = Date.now()): Record<string, string> {
  const timestamp = String(Math.floor(now / 1000));
  return { [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: `${SCHEME}=${signatureHex(secret, timestamp, body)}` };
}

/** The longest signature window of the sources (0 without signing sources): how long a replay must be remembered. */
export function signatureWindowSeconds(sources: readonly IntakeSource[]): number {
  const windows = sources.map((s) =>
    s.auth.type === 'hmac' ? (s.auth.maxAgeSeconds ?? DEFAULT_SIGNATURE_MAX_AGE_SECONDS) : 0,
  );
  return Math.max(0, ...windows);
}

/** Constant-time string comparison: both sides are hashed first, so neither content nor length leaks. */
export function safeEqual(a: string, b: string): boolean {
  const same = timingSafeEqual(digest(a), digest(b));
  return same && a.length > 0;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Within `maxAgeSeconds` of now on either side: a sender's clock may run a little ahead of ours. */
export function isFresh(timestamp: string | undefined, now: number, maxAgeSeconds: number): boolean {
  if (timestamp === undefined || !UNIX_SECONDS.test(timestamp)) return false;
  return Math.abs(now / 1000 - Number(timestamp)) <= maxAgeSeconds;
}

function signedBy(secret: string, timestamp: string, body: Buffer, signatures: readonly string[]): boolean {
  const expected = signatureHex(secret, timestamp, body);
  let ok = false;
  for (const candidate of signatures) ok = safeEqual(candidate, expected) || ok; // no early exit
  return ok;
}

/** The `v1=` values of a signature header; several may be sent (`v1=…,v1=…`) while a secret is rotated. */
export function signaturesOf(header: string | undefined): string[] {
  return (header ?? '')
    .split(',')
    .slice(0, MAX_SIGNATURES)
    .map((part) => part.trim())
    .filter((part) => part.startsWith(`${SCHEME}=`))
    .map((part) => part.slice(SCHEME.length + 1));
}

/** The token of an `Authorization: Bearer …` header; empty without one. */
export function bearerToken(header: string | undefined): string {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? '');
  return m?.[1]?.trim() ?? '';
}
