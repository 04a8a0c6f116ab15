import type { CompiledMappings } from '../rules/compile-mappings.js';
import type { Logger } from '../shared/logger.js';
import type { Metrics } from '../shared/metrics.js';
import { createFileExpansionCache } from './expansion-cache.js';
import type { LiveMappings } from './load-live-mappings.js';
import { createValueSetRefresh } from './refresh-value-sets.js';
import type { ResolvedValueSet } from './resolve-value-sets.js';
import { createTerminologyClient } from './terminology-client.js';
import type { TerminologySettings } from './terminology-settings.js';

/** A running refresh of the server-expanded value sets; `refresh` runs one now (operations and tests). */
export interface FreshValueSets {
  refresh(): Promise<boolean>;
  stop(): Promise<void>;
}

/** Says at start where each server-expanded value set came from; a cached one is a warning with the server's reason. */
export function logValueSets(valueSets: readonly ResolvedValueSet[], log: Logger): void {
  for (const { name, codes, from, fetchedAt, problem } of valueSets) {
    if (from === 'cache')
      log.warn(
        { valueSet: name, codes, fetchedAt, reason: problem },
        'terminology: server unavailable; using the last good expansion',
      );
    else if (problem) log.warn({ valueSet: name, codes, reason: problem }, 'terminology: expanded, but not cached');
    else log.info({ valueSet: name, codes }, 'terminology: expanded');
  }
}

/**
 * Refreshes the value sets the mapping files name by canonical URL every `TERMINOLOGY_REFRESH`,
 * compiling the same mapping files with the new expansions and swapping them in. `undefined` when
 * there is nothing to refresh (no such value set, or no server).
 */
export function keepValueSetsFresh(
  live: LiveMappings,
  settings: TerminologySettings | undefined,
  deps: {
    swapMappings(next: CompiledMappings): void;
    metrics: Pick<Metrics, 'terminologyRefreshFailures'>;
    log: Logger;
    now: () => Date;
  },
): FreshValueSets | undefined {
  if (!settings || !live.expansions.size) return undefined;
  const failures = deps.metrics.terminologyRefreshFailures;
  // Exported at 0 from the start, like every other counter, so increase() sees the first failure.
  for (const name of live.expansions.keys()) failures.inc({ value_set: name }, 0);
  const client = createTerminologyClient(settings);
  const refresher = createValueSetRefresh({
    client,
    cache: createFileExpansionCache(settings.cacheDir),
    current: live.expansions,
    apply: (expansions) => deps.swapMappings(live.recompile(expansions)),
    countFailure: (name) => failures.inc({ value_set: name }),
    log: deps.log,
    now: deps.now,
  });
  // Started from the cache (the server was down): ask again soon rather than after a whole interval.
  const stale = live.valueSets.some((valueSet) => valueSet.from === 'cache');
  const timer = refresher.start(settings.refreshMs, { stale });
  return {
    refresh: refresher.refresh,
    async stop() {
      timer.stop();
      await client.close();
    },
  };
}
