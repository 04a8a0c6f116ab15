import type { LocalValueSet, ValueSetCode } from '../rules/read-value-set.js';
import type { Logger } from '../shared/logger.js';
import type { ExpansionCache } from './expansion-cache.js';
import { asValueSet, expandUsable } from './resolve-value-sets.js';
import { TerminologyError, type TerminologyClient } from './terminology-client.js';

/** What a refresh needs: the server, the cache, the expansions in use, and what to do with new ones. */
export interface ValueSetRefreshDeps {
  client: TerminologyClient;
  cache?: ExpansionCache;
  /** The expansions in use now, by name; a refresh starts from these. */
  current: ReadonlyMap<string, LocalValueSet>;
  /** Compiles and swaps in new expansions; throws when they cannot be compiled (the old ones stay). */
  apply(expansions: ReadonlyMap<string, LocalValueSet>): void;
  /** Counts a value set whose refresh failed (`sdm_terminology_refresh_failures_total`). */
  countFailure(name: string): void;
  log: Logger;
  now: () => Date;
}

/**
 * Asks the server again for every value set; `refresh` resolves true when every one was fetched and
 * usable. `start` does it every `intervalMs` until stopped, but every `retryMs` while the codes in
 * use are stale: after a failed refresh, and from the start when `stale` (the service started from
 * the cache because the server was down), so a short outage does not leave old codes for a day.
 */
export interface ValueSetRefresh {
  refresh(): Promise<boolean>;
  start(intervalMs: number, options?: { retryMs?: number; stale?: boolean }): { stop(): void };
}

/**
 * Keeps server-expanded value sets fresh while the service runs. Each value set on its own: a new
 * expansion is kept in the cache and swapped in (no restart); when the server is down, answers an
 * error or an OperationOutcome, or an expansion without codes, the last good expansion stays, and the
 * failure is logged and counted. Why an empty answer counts as a failure: a value set that had codes
 * and now has none is far more likely a server fault than a clinical decision, and silently matching
 * nothing is what this service must never do.
 */
export function createValueSetRefresh(deps: ValueSetRefreshDeps): ValueSetRefresh {
  let current = deps.current;
  let running: Promise<boolean> | undefined;
  const refreshAll = async (): Promise<boolean> => {
    const next = new Map(current);
    const changed: string[] = [];
    let fetchedAll = true;
    for (const name of current.keys()) {
      const codes = await fetchOne(name, deps);
      if (!codes) fetchedAll = false;
      if (!codes || sameCodes(codes, current.get(name)!.codes)) continue;
      next.set(name, asValueSet(name, codes));
      changed.push(name);
    }
    if (!changed.length) return fetchedAll;
    try {
      deps.apply(next);
      current = next;
      deps.log.info({ valueSets: changed }, 'terminology: new expansions in use');
      return fetchedAll;
    } catch (err) {
      for (const name of changed) deps.countFailure(name);
      deps.log.error(
        { valueSets: changed, reason: (err as Error).message },
        'terminology: new expansions not usable; the last good ones stay',
      );
      return false;
    }
  };
  const refresh = () => {
    running ??= refreshAll().finally(() => (running = undefined)); // one at a time: a slow server never piles up refreshes
    return running;
  };
  return {
    refresh,
    start(intervalMs, options = {}) {
      const retryMs = Math.min(options.retryMs ?? RETRY_WHILE_STALE_MS, intervalMs);
      let timer: NodeJS.Timeout | undefined;
      let stopped = false;
      const schedule = (delayMs: number) => {
        if (stopped) return;
        timer = setTimeout(() => void tick(), delayMs);
        timer.unref();
      };
      const tick = async () => {
        const fresh = await refresh().catch((err: unknown) => {
          deps.log.error({ reason: (err as Error).message }, 'terminology: refresh stopped by an error');
          return false;
        });
        schedule(fresh ? intervalMs : retryMs);
      };
      schedule(options.stale ? retryMs : intervalMs);
      return {
        stop: () => {
          stopped = true;
          clearTimeout(timer);
        },
      };
    },
  };
}

/** While the codes in use are stale, the server is asked again this often (at most every interval). */
const RETRY_WHILE_STALE_MS = 5 * 60_000;

/** New codes from the server (also kept in the cache), or `undefined` after logging and counting why not. */
async function fetchOne(name: string, deps: ValueSetRefreshDeps): Promise<ValueSetCode[] | undefined> {
  let codes: ValueSetCode[];
  try {
    codes = await expandUsable(deps.client, name);
  } catch (err) {
    if (!(err instanceof TerminologyError)) throw err;
    deps.countFailure(name);
    deps.log.warn(
      { valueSet: name, reason: err.message },
      'terminology: refresh failed; the last good expansion stays',
    );
    return undefined;
  }
  await deps.cache
    ?.write(name, { codes, fetchedAt: deps.now().toISOString() })
    .catch((err: unknown) =>
      deps.log.warn(
        { valueSet: name, reason: (err as NodeJS.ErrnoException).code ?? 'error' },
        'terminology: expansion not kept in TERMINOLOGY_CACHE_DIR',
      ),
    );
  return codes;
}

function sameCodes(a: readonly ValueSetCode[], b: readonly ValueSetCode[]): boolean {
  if (a.length !== b.length) return false;
  const key = (code: ValueSetCode) => `${code.system}|${code.code ?? ''}|${code.prefix ?? ''}`;
  const seen = new Set(b.map(key));
  return a.every((code) => seen.has(key(code)));
}
