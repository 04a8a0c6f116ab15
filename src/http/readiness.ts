import type { EpdGet } from '../epd/connect-epd.js';
import { EpdError, failureReason } from '../epd/epd-error.js';

/** One dependency the service needs to do its work, and whether it has it. */
export interface ReadinessCheck {
  name: 'redis' | 'epd' | 'mappings' | 'polling';
  ok: boolean;
  /** Plain words for the operator: what was found, or what is wrong. */
  detail: string;
}

/** The answer of one readiness check run. */
export interface ReadinessReport {
  ready: boolean;
  checks: ReadinessCheck[];
}

/** What the readiness check looks at; the service passes its real connections, tests pass fakes. */
export interface ReadinessDeps {
  /** The Redis connection the process depends on (ioredis: `status` is `ready` when connected). */
  redis: { readonly status: string; ping(): Promise<unknown> };
  /** A GET on the EPD with its auth, over the transport every EPD call shares (`connectEpd(...).get`). */
  epd: { get: EpdGet };
  /** The compiled mapping files, or undefined when none are loaded. */
  getMappings: () => { files: readonly string[]; triggers: readonly unknown[] } | undefined;
  /** The lag of every polled source and its limit; absent: no source is polled. */
  pollLag?: () => Promise<readonly { source: string; lagSeconds: number; limitSeconds?: number }[]>;
  /** Limit of one probe of Redis or the EPD, in ms. */
  timeoutMs?: number;
  /** How long an EPD answer is reused, in ms. */
  epdCacheMs?: number;
  now?: () => number;
}

/** Two seconds: a FHIR server sends its CapabilityStatement in well under a second when it is healthy. */
const DEFAULT_TIMEOUT_MS = 2_000;
/**
 * Five seconds: probes come every few seconds from each orchestrator (and each replica), and the
 * EPD should not feel them; a fault shows within one probe period anyway.
 */
const DEFAULT_EPD_CACHE_MS = 5_000;

/**
 * Makes the readiness check behind `GET /readyz`: Redis answers PING, the EPD answers
 * `GET [base]/metadata`, and mapping files with triggers are loaded. Each check reports in words;
 * the EPD's answer is cached briefly and shared by concurrent probes.
 */
export function createReadinessCheck(deps: ReadinessDeps): () => Promise<ReadinessReport> {
  const timeoutMs = deps.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const cacheMs = deps.epdCacheMs ?? DEFAULT_EPD_CACHE_MS;
  const now = deps.now ?? Date.now;
  let cached: { at: number; result: Promise<ReadinessCheck> } | undefined;
  const epdCheck = () => {
    if (!cached || now() - cached.at >= cacheMs) cached = { at: now(), result: checkEpd(deps.epd, timeoutMs) };
    return cached.result;
  };
  return async () => {
    const checks = await Promise.all([
      checkRedis(deps.redis, timeoutMs),
      epdCheck(),
      Promise.resolve(checkMappings(deps.getMappings())),
      ...(deps.pollLag ? [checkPolling(deps.pollLag, timeoutMs)] : []),
    ]);
    return { ready: checks.every((c) => c.ok), checks };
  };
}

async function checkRedis(redis: ReadinessDeps['redis'], timeoutMs: number): Promise<ReadinessCheck> {
  // A connection that is not `ready` would only queue or refuse the PING: say what it is doing instead.
  if (redis.status !== 'ready') return { name: 'redis', ok: false, detail: `no connection to Redis (${redis.status})` };
  try {
    await withTimeout(redis.ping(), timeoutMs);
    return { name: 'redis', ok: true, detail: 'answers PING' };
  } catch (err) {
    return { name: 'redis', ok: false, detail: `PING failed: ${(err as Error).message}` };
  }
}

async function checkEpd(epd: ReadinessDeps['epd'], timeoutMs: number): Promise<ReadinessCheck> {
  try {
    // The bound covers a token request too; the probe itself has the same limit.
    const res = await withTimeout(epd.get('metadata', { timeoutMs }), timeoutMs);
    if (res.status >= 200 && res.status < 300)
      return { name: 'epd', ok: true, detail: `GET /metadata answered HTTP ${res.status}` };
    const refused =
      res.status === 401 || res.status === 403 ? ': the EPD refuses our credentials (EPD_AUTH, EPD_TOKEN...)' : '';
    return { name: 'epd', ok: false, detail: `GET /metadata answered HTTP ${res.status}${refused}` };
  } catch (err) {
    return { name: 'epd', ok: false, detail: `GET /metadata failed: ${reasonOf(err)}` };
  }
}

function checkMappings(mappings: ReturnType<ReadinessDeps['getMappings']>): ReadinessCheck {
  if (!mappings || mappings.triggers.length === 0)
    return { name: 'mappings', ok: false, detail: 'no mapping file with triggers is loaded' };
  return {
    name: 'mappings',
    ok: true,
    detail: `${mappings.files.length} file(s), ${mappings.triggers.length} trigger(s)`,
  };
}

/** Polling has stopped or fallen behind when a source's lag is past its limit (POLL_MAX_LAG_INTERVALS intervals). */
async function checkPolling(read: NonNullable<ReadinessDeps['pollLag']>, timeoutMs: number): Promise<ReadinessCheck> {
  try {
    const readings = await withTimeout(read(), timeoutMs);
    const behind = readings.filter((r) => r.limitSeconds !== undefined && r.lagSeconds > r.limitSeconds);
    const said = (r: (typeof readings)[number]) => `${r.source} ${Math.round(r.lagSeconds)} s behind`;
    if (behind.length)
      return {
        name: 'polling',
        ok: false,
        detail: `${behind.map(said).join(', ')}, more than ${behind[0]?.limitSeconds} s (POLL_MAX_LAG_INTERVALS)`,
      };
    return { name: 'polling', ok: true, detail: readings.map(said).join(', ') || 'no polled source' };
  } catch (err) {
    return { name: 'polling', ok: false, detail: `poll state unreadable: ${(err as Error).message}` };
  }
}

/** The reason without the URL: `ECONNREFUSED`, `no answer in time`, or what a token request answered. */
function reasonOf(err: unknown): string {
  if (err instanceof EpdError && err.status !== 0) return err.message;
  return failureReason(err);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    // Named TimeoutError, so the EPD check says 'no answer in time' whichever of the two limits ran out first.
    timer = setTimeout(
      () => reject(Object.assign(new Error(`no answer within ${ms} ms`), { name: 'TimeoutError' })),
      ms,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
