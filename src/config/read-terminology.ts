import { parseIsoDuration } from '../rules/parse-iso-duration.js';
import { isPlaceholder } from '../shared/check-secret.js';
import type { TerminologySettings } from '../terminology/terminology-settings.js';

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
 * `TERMINOLOGY_TOKEN`, `TERMINOLOGY_TIMEOUT_MS`, `TERMINOLOGY_REFRESH` (ISO 8601 duration),
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
  const token = value('TERMINOLOGY_TOKEN');
  if (token && isPlaceholder(token))
    problems.push('TERMINOLOGY_TOKEN: still a placeholder; set the token the terminology server gave');
  return {
    baseUrl: baseUrl.replace(/\/+$/, ''),
    ...(token ? { token } : {}),
    timeoutMs,
    refreshMs: refreshMs ?? 0,
    maxCodes,
    cacheDir: value('TERMINOLOGY_CACHE_DIR') ?? DEFAULT_CACHE_DIR,
  };
}

function wholeNumber(key: string, text: string | undefined, fallback: number, min: number, problems: string[]): number {
  if (text === undefined) return fallback;
  const parsed = Number(text);
  if (Number.isInteger(parsed) && parsed >= min) return parsed;
  problems.push(`${key}: must be a whole number of at least ${min}`);
  return fallback;
}
