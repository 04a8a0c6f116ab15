/** One dependency the service needs to do its work, and whether it has it. */
export interface ReadinessCheck {
  name: 'redis' | 'epd' | 'mappings';
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
  /** The EPD's FHIR base URL and, when it needs one, the Authorization header of our calls. */
  epd: { baseUrl: string; authorization?: () => Promise<string | undefined> };
  /** The compiled mapping files, or undefined when none are loaded. */
  getMappings: () => { files: readonly string[]; triggers: readonly unknown[] } | undefined;
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
    const authorization = await withTimeout(epd.authorization?.() ?? Promise.resolve(undefined), timeoutMs);
    const res = await fetch(`${epd.baseUrl}/metadata`, {
      headers: { accept: 'application/fhir+json', ...(authorization ? { authorization } : {}) },
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.body?.cancel(); // only the status matters; a CapabilityStatement can be large
    if (res.ok) return { name: 'epd', ok: true, detail: `GET /metadata answered HTTP ${res.status}` };
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

/** The reason of a failed fetch without the URL: `fetch failed` alone says nothing, its cause says what. */
function reasonOf(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'no answer in time';
  return e.cause?.code ?? e.cause?.message ?? e.message;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
