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

/** Asks the server again for every value set; `start` does it every `intervalMs` until stopped. */
export interface ValueSetRefresh {
  refresh(): Promise<void>;
  start(intervalMs: number): { stop(): void };
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
  let running: Promise<void> | undefined;
  const refreshAll = async () => {
    const next = new Map(current);
    const changed: string[] = [];
    for (const name of current.keys()) {
      const codes = await fetchOne(name, deps);
      if (!codes || sameCodes(codes, current.get(name)!.codes)) continue;
      next.set(name, asValueSet(name, codes));
      changed.push(name);
    }
    if (!changed.length) return;
    try {
      deps.apply(next);
      current = next;
      deps.log.info({ valueSets: changed }, 'terminology: new expansions in use');
    } catch (err) {
      for (const name of changed) deps.countFailure(name);
      deps.log.error(
        { valueSets: changed, reason: (err as Error).message },
        'terminology: new expansions not usable; the last good ones stay',
      );
    }
  };
  const refresh = () => {
    running ??= refreshAll().finally(() => (running = undefined)); // one at a time: a slow server never piles up refreshes
    return running;
  };
  return {
    refresh,
    start(intervalMs) {
      const tick = () =>
        refresh().catch((err: unknown) =>
          deps.log.error({ reason: (err as Error).message }, 'terminology: refresh stopped by an error'),
        );
      const timer = setInterval(() => void tick(), intervalMs);
      timer.unref();
      return { stop: () => clearInterval(timer) };
    },
  };
}

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
