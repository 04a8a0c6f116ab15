import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IntakeSource } from '../config/load-config.js';

/** The header an HMAC-signing sender puts its signature in: `sha256=<hex of HMAC-SHA256(body)>`. */
export const SIGNATURE_HEADER = 'x-hub-signature-256';

/** What the caller presented. */
export interface PresentedCredentials {
  authorization?: string;
  signature?: string;
  rawBody: Buffer;
}

/**
 * Finds the configured source whose credential the request carries, or undefined. Every candidate
 * is checked (no early exit on the first byte) and compared in constant time.
 */
export function verifySource(sources: readonly IntakeSource[], presented: PresentedCredentials): IntakeSource | undefined {
  let match: IntakeSource | undefined;
  for (const source of sources) {
    const ok =
      source.auth.type === 'bearer'
        ? safeEqual(bearerToken(presented.authorization), source.auth.token)
        : safeEqual(presented.signature ?? '', `sha256=${hmacHex(source.auth.secret, presented.rawBody)}`);
    if (ok && !match) match = source;
  }
  return match;
}

/** HMAC-SHA256 of a body, hex: what a sender signs with. */
export function hmacHex(secret: string, body: Buffer | string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

function bearerToken(header: string | undefined): string {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? '');
  return m?.[1]?.trim() ?? '';
}

/** Constant-time string comparison that does not leak the length through an early return. */
export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  const same = ab.length === bb.length;
  return timingSafeEqual(same ? ab : bb, bb) && same && a.length > 0;
}
