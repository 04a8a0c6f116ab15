import { createHash, createPrivateKey, createPublicKey, randomUUID, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';

/** Signing algorithms of the client assertion: what SMART Backend Services names (RS384, ES384) plus RS512. */
export const SMART_JWT_ALGS = ['RS384', 'ES384', 'RS512'] as const;
export type SmartJwtAlg = (typeof SMART_JWT_ALGS)[number];

/** SMART Backend Services: OAuth2 client credentials with a `private_key_jwt` client assertion. */
export interface SmartBackendAuth {
  type: 'smart-backend';
  tokenUrl: string;
  clientId: string;
  /** Required by SMART, e.g. `system/Patient.rs system/Task.cu` (v2) or `system/*.read system/Task.write` (v1). */
  scope: string;
  /** The private key as PEM (PKCS#8, or PKCS#1/SEC1); never logged. */
  privateKeyPem: string;
  /** The `kid` in the JWT header and the JWKS; absent: the key's RFC 7638 thumbprint. */
  keyId?: string;
  alg: SmartJwtAlg;
}

/** A public key as published at `/.well-known/jwks.json`. */
export interface PublicJwk {
  kty: string;
  kid: string;
  alg: SmartJwtAlg;
  use: 'sig';
  key_ops: ['verify'];
  [member: string]: unknown;
}

/** The private key, ready to sign, with its public half. */
export interface SigningKey {
  privateKey: KeyObject;
  alg: SmartJwtAlg;
  kid: string;
  publicJwk: PublicJwk;
}

/** `client_assertion_type` of a JWT client assertion (RFC 7523). */
export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** SMART: `exp` "SHALL be no more than five minutes in the future". */
const MAX_ASSERTION_LIFETIME_S = 300;
/**
 * Why backdate: the token server's clock may run behind ours. `iat` a little in the past keeps it
 * from looking issued in the future there, and `exp` stays under five minutes by the same margin
 * if its clock runs ahead.
 */
const CLOCK_SKEW_S = 30;

// Members that make up the RFC 7638 thumbprint of each key type, in the required (sorted) order.
const THUMBPRINT_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  RSA: ['e', 'kty', 'n'],
  EC: ['crv', 'kty', 'x', 'y'],
};

/** Reads the configured private key once: the signer and the public JWK derived from it. */
export function signingKey(auth: Pick<SmartBackendAuth, 'privateKeyPem' | 'keyId' | 'alg'>): SigningKey {
  const privateKey = createPrivateKey(auth.privateKeyPem);
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' }) as Record<string, unknown>;
  const kid = auth.keyId ?? thumbprint(jwk);
  const publicJwk: PublicJwk = { ...jwk, kty: String(jwk.kty), kid, alg: auth.alg, use: 'sig', key_ops: ['verify'] };
  return { privateKey, alg: auth.alg, kid, publicJwk };
}

/** The public key set this service publishes: its signing key under SMART, else no keys. */
export function publicJwks(auth: { type: string }): { keys: PublicJwk[] } {
  return { keys: auth.type === 'smart-backend' ? [signingKey(auth as SmartBackendAuth).publicJwk] : [] };
}

/** A fresh client assertion: iss = sub = client id, aud = token URL, a unique jti, exp within five minutes. */
export async function clientAssertion(
  auth: Pick<SmartBackendAuth, 'clientId' | 'tokenUrl'>,
  key: SigningKey,
  now = Date.now(),
): Promise<string> {
  const issuedAt = Math.floor(now / 1000) - CLOCK_SKEW_S;
  return new SignJWT({})
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
    .setIssuer(auth.clientId)
    .setSubject(auth.clientId)
    .setAudience(auth.tokenUrl)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + MAX_ASSERTION_LIFETIME_S)
    .setJti(randomUUID())
    .sign(key.privateKey);
}

/** The token request form of SMART Backend Services; each call signs a new assertion. */
export function smartBackendForm(auth: SmartBackendAuth, now: () => number = Date.now): () => Promise<URLSearchParams> {
  const key = signingKey(auth);
  return async () =>
    new URLSearchParams({
      grant_type: 'client_credentials',
      scope: auth.scope,
      client_assertion_type: CLIENT_ASSERTION_TYPE,
      client_assertion: await clientAssertion(auth, key, now()),
    });
}

/** RFC 7638 JWK thumbprint (SHA-256, base64url): a stable `kid` when none is configured. */
export function thumbprint(jwk: Record<string, unknown>): string {
  const members = THUMBPRINT_MEMBERS[String(jwk.kty)];
  if (!members) throw new Error(`no thumbprint for key type ${String(jwk.kty)}`);
  const canonical = JSON.stringify(Object.fromEntries(members.map((m) => [m, jwk[m]])));
  return createHash('sha256').update(canonical).digest('base64url');
}
