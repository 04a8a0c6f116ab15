import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
// One shape and one list of algorithms for SMART Backend Services: the EPD client's, which uses them.
import type { SmartBackendAuth, SmartJwtAlg } from '../epd/smart-backend-auth.js';

/** The environment keys this reads, under a prefix (`EPD`, `KOPPELTAAL`): `<P>_TOKEN_URL`, `<P>_CLIENT_ID`, … */
export type SmartBackendEnv = Readonly<Record<string, unknown>>;

/** Which settings to read: their prefix, and when they are required (for the messages). */
export interface SmartBackendKeys {
  prefix: 'EPD' | 'KOPPELTAAL';
  /** e.g. `EPD_AUTH=smart-backend`: completes "required when …". */
  requiredWhen: string;
}

const EPD_KEYS: SmartBackendKeys = { prefix: 'EPD', requiredWhen: 'EPD_AUTH=smart-backend' };
const MIN_RSA_BITS = 2048; // SMART and NIST: RSA keys of at least 2048 bits
// ES384 means ECDSA on P-384 (RFC 7518 §3.4); node calls that curve secp384r1.
const ES384_CURVE = 'secp384r1';

/**
 * Reads SMART Backend Services settings (by default the EPD's, `EPD_AUTH=smart-backend`): token URL,
 * client id, scope, and the private key from `<P>_PRIVATE_KEY` (PEM; `\n` escapes allowed for
 * one-line env files) or `<P>_PRIVATE_KEY_FILE`. The key is parsed here, so a wrong key type or size
 * stops the start with a clear problem.
 */
export function readSmartBackend(e: SmartBackendEnv, problems: string[], keys = EPD_KEYS): SmartBackendAuth {
  const p = keys.prefix;
  const text = (name: string) => {
    const value = e[`${p}_${name}`];
    return typeof value === 'string' && value ? value : undefined;
  };
  for (const name of ['TOKEN_URL', 'CLIENT_ID', 'SCOPE']) {
    if (!text(name)) problems.push(`${p}_${name}: required when ${keys.requiredWhen}`);
  }
  const alg = (text('JWT_ALG') ?? 'RS384') as SmartJwtAlg;
  const pem = readPem(text('PRIVATE_KEY'), text('PRIVATE_KEY_FILE'), keys, problems);
  if (pem) checkKey(pem, alg, p, problems);
  const keyId = text('KEY_ID');
  return {
    type: 'smart-backend',
    tokenUrl: text('TOKEN_URL') ?? '',
    clientId: text('CLIENT_ID') ?? '',
    scope: text('SCOPE') ?? '',
    privateKeyPem: pem ?? '',
    ...(keyId ? { keyId } : {}),
    alg,
  };
}

function readPem(
  inline: string | undefined,
  file: string | undefined,
  { prefix: p, requiredWhen }: SmartBackendKeys,
  problems: string[],
): string | undefined {
  if (inline && file) {
    problems.push(`${p}_PRIVATE_KEY and ${p}_PRIVATE_KEY_FILE: set one, not both`);
    return undefined;
  }
  if (inline) return inline.replace(/\\n/g, '\n');
  if (!file) {
    problems.push(`${p}_PRIVATE_KEY or ${p}_PRIVATE_KEY_FILE: required when ${requiredWhen}`);
    return undefined;
  }
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    problems.push(`${p}_PRIVATE_KEY_FILE: cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    return undefined;
  }
}

function checkKey(pem: string, alg: SmartJwtAlg, p: string, problems: string[]): void {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    problems.push(`${p}_PRIVATE_KEY: not a PEM private key`); // the parser's message could quote the key
    return;
  }
  const details = key.asymmetricKeyDetails ?? {};
  if (alg === 'ES384') {
    if (key.asymmetricKeyType !== 'ec' || details.namedCurve !== ES384_CURVE) {
      problems.push(`${p}_PRIVATE_KEY: ${p}_JWT_ALG=ES384 needs an EC key on curve P-384`);
    }
  } else if (key.asymmetricKeyType !== 'rsa' || (details.modulusLength ?? 0) < MIN_RSA_BITS) {
    problems.push(`${p}_PRIVATE_KEY: ${p}_JWT_ALG=${alg} needs an RSA key of at least ${MIN_RSA_BITS} bits`);
  }
}
