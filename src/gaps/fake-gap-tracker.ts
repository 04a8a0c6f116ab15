import { observeGap, settleGap, type GapState } from './gap-state.js';
import type { GapTracker, WatchedSubscription } from './gap-tracker.js';

/** In-memory tracker for handler tests; the same rules (gap-state.ts) as the Redis one. */
export function createFakeGapTracker(): GapTracker {
  const states = new Map<string, GapState>();
  const watched = new Map<string, Map<string, WatchedSubscription>>();
  const watchOf = (source: string) => watched.get(source) ?? watched.set(source, new Map()).get(source)!;
  return {
    async observe(source, sub, obs) {
      const entry = watchOf(source).get(sub);
      watchOf(source).set(sub, { ...entry, subscription: sub, lastSeenAt: obs.atMs });
      const step = observeGap(states.get(`${source}|${sub}`), obs);
      if (step.state) states.set(`${source}|${sub}`, step.state);
      return step.missingFrom === undefined ? {} : { missingFrom: step.missingFrom };
    },
    state: async (source, sub) => states.get(`${source}|${sub}`),
    async settle(source, sub, coveredUpTo, atMs) {
      const prev = states.get(`${source}|${sub}`);
      if (prev) states.set(`${source}|${sub}`, settleGap(prev, coveredUpTo, atMs));
    },
    subscriptions: async (source) => [...watchOf(source).values()],
    async setHeartbeat(source, sub, heartbeatMs) {
      const entry = watchOf(source).get(sub);
      if (entry) entry.heartbeatMs = heartbeatMs;
    },
    async touch(source, sub, atMs) {
      const entry = watchOf(source).get(sub);
      if (entry) entry.lastSeenAt = atMs;
    },
  };
}
