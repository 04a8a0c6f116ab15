import { parseIsoDuration } from '../rules/parse-iso-duration.js';
import { isPlaceholder } from '../shared/check-secret.js';
import type { TerminologyAuth, TerminologySettings } from '../terminology/terminology-settings.js';

/** 30 s per page: a terminology server expanding a large SNOMED hierarchy can take seconds; longer means stuck. */
const DEFAULT_TIMEOUT_MS = 30_000;
/** Once a day: code systems are released monthly at most, and a day-old expansion is no risk. */
const DEFAULT_REFRESH = 'PT24H';
/** Below a minute the service would keep a terminology server busy for nothing. */
const MIN_REFRESH_MS = 60_000;
/** 50,000 codes: all of SNOMED's clinical findings under asthma are a few hundred; this is a runaway, not a value set. */
const DEFAULT_MAX_CODES = 50_000;
/** Relative to the working directory; in a container, mount a volume here so it outlives the container. */
const DEFAULT_CACHE_DIR = 'terminology-cache';

/**
 * `TERMINOLOGY_SERVER_URL` (absent: no server; value sets by canonical URL then need a local file),
 * how to log in (`TERMINOLOGY_TOKEN`, or `TERMINOLOGY_TOKEN_URL` with a client and optionally an
 * account, see readTerminologyAuth), `TERMINOLOGY_TIMEOUT_MS`, `TERMINOLOGY_REFRESH` (ISO 8601 duration),
 * `TERMINOLOGY_MAX_CODES` and `TERMINOLOGY_CACHE_DIR`. Empty values count as unset.
 */
export function readTerminology(
  env: Readonly<Record<string, string | undefined>>,
  problems: string[],
): TerminologySettings | undefined {
  const value = (key: string) => env[key]?.trim() || undefined;
  const baseUrl = value('TERMINOLOGY_SERVER_URL');
  const timeoutMs = wholeNumber(
    'TERMINOLOGY_TIMEOUT_MS',
    value('TERMINOLOGY_TIMEOUT_MS'),
    DEFAULT_TIMEOUT_MS,
    100,
    problems,
  );
  const maxCodes = wholeNumber('TERMINOLOGY_MAX_CODES', value('TERMINOLOGY_MAX_CODES'), DEFAULT_MAX_CODES, 1, problems);
  const refresh = value('TERMINOLOGY_REFRESH') ?? DEFAULT_REFRESH;
  const refreshMs = parseIsoDuration(refresh);
  if (refreshMs === undefined || refreshMs < MIN_REFRESH_MS)
    problems.push('TERMINOLOGY_REFRESH: must be an ISO 8601 duration of at least a minute, e.g. PT24H');
  if (baseUrl === undefined) return undefined;
  if (!/^https?:\/\/[^\s/]+/i.test(baseUrl)) {
    problems.push(
      'TERMINOLOGY_SERVER_URL: must be an http(s) URL: the FHIR base of the terminology server, e.g. https://tx.example.org/fhir',
    );
    return undefined;
  }
  const auth = readTerminologyAuth(value, problems);
  return {
    baseUrl: baseUrl.replace(/\/+$/, ''),
    ...(auth ? { auth } : {}),
    timeoutMs,
    refreshMs: refreshMs ?? 0,
    maxCodes,
    cacheDir: value('TERMINOLOGY_CACHE_DIR') ?? DEFAULT_CACHE_DIR,
  };
}

/**
 * A fixed `TERMINOLOGY_TOKEN`; or tokens from `TERMINOLOGY_TOKEN_URL` for `TERMINOLOGY_CLIENT_ID`,
 * by client credentials (`TERMINOLOGY_CLIENT_SECRET`) or, with `TERMINOLOGY_USERNAME` and
 * `TERMINOLOGY_PASSWORD`, by the password grant (the secret then optional: public clients have
 * none); `TERMINOLOGY_SCOPE` when the token endpoint wants one. Both kinds at once is refused.
 */
function readTerminologyAuth(
  value: (key: string) => string | undefined,
  problems: string[],
): TerminologyAuth | undefined {
  const token = value('TERMINOLOGY_TOKEN');
  const tokenUrl = value('TERMINOLOGY_TOKEN_URL');
  const clientId = value('TERMINOLOGY_CLIENT_ID');
  const clientSecret = value('TERMINOLOGY_CLIENT_SECRET');
  const username = value('TERMINOLOGY_USERNAME');
  const password = value('TERMINOLOGY_PASSWORD');
  const scope = value('TERMINOLOGY_SCOPE');
  for (const [key, secret] of [
    ['TERMINOLOGY_TOKEN', token],
    ['TERMINOLOGY_CLIENT_SECRET', clientSecret],
    ['TERMINOLOGY_PASSWORD', password],
  ] as const) {
    if (secret && isPlaceholder(secret))
      problems.push(`${key}: still a placeholder; set what the terminology server's administrator gave`);
  }
  if (token && tokenUrl) {
    problems.push('TERMINOLOGY_TOKEN and TERMINOLOGY_TOKEN_URL: set one, a fixed token or a token endpoint');
    return undefined;
  }
  if (token) return { type: 'bearer', token };
  const loginSet = [clientId, clientSecret, username, password].some(Boolean);
  if (!tokenUrl) {
    if (loginSet)
      problems.push('TERMINOLOGY_TOKEN_URL: required with TERMINOLOGY_CLIENT_ID and the rest: the token endpoint');
    return undefined;
  }
  if (!/^https?:\/\/[^\s/]+/i.test(tokenUrl)) {
    problems.push(
      'TERMINOLOGY_TOKEN_URL: must be an http(s) URL, e.g. https://tx.example.org/auth/realms/x/protocol/openid-connect/token',
    );
    return undefined;
  }
  if (!clientId) {
    problems.push('TERMINOLOGY_CLIENT_ID: required with TERMINOLOGY_TOKEN_URL');
    return undefined;
  }
  if (Boolean(username) !== Boolean(password)) {
    problems.push('TERMINOLOGY_USERNAME and TERMINOLOGY_PASSWORD: set both (the password grant) or neither');
    return undefined;
  }
  const extra = scope ? { scope } : {};
  if (username && password)
    return {
      type: 'password',
      tokenUrl,
      clientId,
      username,
      password,
      ...(clientSecret ? { clientSecret } : {}),
      ...extra,
    };
  if (!clientSecret) {
    problems.push(
      'TERMINOLOGY_CLIENT_SECRET: required for client credentials (or set TERMINOLOGY_USERNAME and TERMINOLOGY_PASSWORD)',
    );
    return undefined;
  }
  return { type: 'client-credentials', tokenUrl, clientId, clientSecret, ...extra };
}

function wholeNumber(key: string, text: string | undefined, fallback: number, min: number, problems: string[]): number {
  if (text === undefined) return fallback;
  const parsed = Number(text);
  if (Number.isInteger(parsed) && parsed >= min) return parsed;
  problems.push(`${key}: must be a whole number of at least ${min}`);
  return fallback;
}
