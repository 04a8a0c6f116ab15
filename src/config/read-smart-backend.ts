import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
// One shape and one list of algorithms for SMART Backend Services: the EPD client's, which uses them.
import type { SmartBackendAuth, SmartJwtAlg } from '../epd/smart-backend-auth.js';

/** The environment keys this reads. */
export interface SmartBackendEnv {
  EPD_TOKEN_URL?: string;
  EPD_CLIENT_ID?: string;
  EPD_SCOPE?: string;
  EPD_PRIVATE_KEY?: string;
  EPD_PRIVATE_KEY_FILE?: string;
  EPD_KEY_ID?: string;
  EPD_JWT_ALG: SmartJwtAlg;
}

const MIN_RSA_BITS = 2048; // SMART and NIST: RSA keys of at least 2048 bits
// ES384 means ECDSA on P-384 (RFC 7518 §3.4); node calls that curve secp384r1.
const ES384_CURVE = 'secp384r1';

/**
 * Reads `EPD_AUTH=smart-backend`: token URL, client id, scope, and the private key from
 * `EPD_PRIVATE_KEY` (PEM; `\n` escapes allowed for one-line env files) or `EPD_PRIVATE_KEY_FILE`.
 * The key is parsed here, so a wrong key type or size stops the start with a clear problem.
 */
export function readSmartBackend(e: SmartBackendEnv, problems: string[]): SmartBackendAuth {
  for (const k of ['EPD_TOKEN_URL', 'EPD_CLIENT_ID', 'EPD_SCOPE'] as const) {
    if (!e[k]) problems.push(`${k}: required when EPD_AUTH=smart-backend`);
  }
  const pem = readPem(e, problems);
  if (pem) checkKey(pem, e.EPD_JWT_ALG, problems);
  return {
    type: 'smart-backend',
    tokenUrl: e.EPD_TOKEN_URL ?? '',
    clientId: e.EPD_CLIENT_ID ?? '',
    scope: e.EPD_SCOPE ?? '',
    privateKeyPem: pem ?? '',
    ...(e.EPD_KEY_ID ? { keyId: e.EPD_KEY_ID } : {}),
    alg: e.EPD_JWT_ALG,
  };
}

function readPem(e: SmartBackendEnv, problems: string[]): string | undefined {
  if (e.EPD_PRIVATE_KEY && e.EPD_PRIVATE_KEY_FILE) {
    problems.push('EPD_PRIVATE_KEY and EPD_PRIVATE_KEY_FILE: set one, not both');
    return undefined;
  }
  if (e.EPD_PRIVATE_KEY) return e.EPD_PRIVATE_KEY.replace(/\\n/g, '\n');
  if (!e.EPD_PRIVATE_KEY_FILE) {
    problems.push('EPD_PRIVATE_KEY or EPD_PRIVATE_KEY_FILE: required when EPD_AUTH=smart-backend');
    return undefined;
  }
  try {
    return readFileSync(e.EPD_PRIVATE_KEY_FILE, 'utf8');
  } catch (err) {
    problems.push(`EPD_PRIVATE_KEY_FILE: cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    return undefined;
  }
}

function checkKey(pem: string, alg: SmartBackendEnv['EPD_JWT_ALG'], problems: string[]): void {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    problems.push('EPD_PRIVATE_KEY: not a PEM private key'); // the parser's message could quote the key
    return;
  }
  const details = key.asymmetricKeyDetails ?? {};
  if (alg === 'ES384') {
    if (key.asymmetricKeyType !== 'ec' || details.namedCurve !== ES384_CURVE) {
      problems.push('EPD_PRIVATE_KEY: EPD_JWT_ALG=ES384 needs an EC key on curve P-384');
    }
  } else if (key.asymmetricKeyType !== 'rsa' || (details.modulusLength ?? 0) < MIN_RSA_BITS) {
    problems.push(`EPD_PRIVATE_KEY: EPD_JWT_ALG=${alg} needs an RSA key of at least ${MIN_RSA_BITS} bits`);
  }
}
