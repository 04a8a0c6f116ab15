import { Router } from 'express';
import type { PublicJwk } from '../epd/smart-backend-auth.js';

/** Where the public key set is served (the JWKS URL registered with the EPD's authorisation server). */
export const JWKS_PATH = '/.well-known/jwks.json';

/** How long the EPD's authorisation server may cache the key set: short, so a rotated key is seen soon. */
const CACHE_SECONDS = 300;

/**
 * `GET /.well-known/jwks.json`: the public keys that verify this service's SMART client assertions.
 * Public on purpose (the EPD fetches it without credentials) and safe to be: it holds public key
 * members only, never `d` or the RSA primes.
 */
export function jwksRouter(jwks: { keys: readonly PublicJwk[] }): Router {
  const router = Router();
  const body = { keys: jwks.keys.map(publicMembersOnly) };
  router.get(JWKS_PATH, (_req, res) => {
    res.setHeader('Cache-Control', `public, max-age=${CACHE_SECONDS}`);
    res.type('application/jwk-set+json').send(JSON.stringify(body));
  });
  return router;
}

// Private members of RSA and EC JWKs (RFC 7518 §6): dropped even if a caller passed a private JWK by mistake.
const PRIVATE_MEMBERS = new Set(['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']);

function publicMembersOnly(jwk: PublicJwk): PublicJwk {
  return Object.fromEntries(Object.entries(jwk).filter(([member]) => !PRIVATE_MEMBERS.has(member))) as PublicJwk;
}
