import type { CursorStore } from './cursor-store.js';

/** In-memory store for handler tests. */
export function createFakeCursorStore(seenRetentionMs = Number.POSITIVE_INFINITY): CursorStore {
  const fields = new Map<string, Map<string, number>>();
  const seenKeys = new Map<string, Map<string, number>>();
  const of = <V>(map: Map<string, Map<string, V>>, source: string) =>
    map.get(source) ?? map.set(source, new Map()).get(source)!;
  return {
    cursor: async (source) => of(fields, source).get('cursor'),
    async advance(source, toMs) {
      const current = of(fields, source).get('cursor');
      if (current === undefined || toMs > current) of(fields, source).set('cursor', Math.floor(toMs));
    },
    unseen: async (source, eventKeys) => eventKeys.filter((key) => !of(seenKeys, source).has(key)),
    async markSeen(source, eventKeys, nowMs) {
      const keys = of(seenKeys, source);
      for (const key of eventKeys) keys.set(key, nowMs);
      for (const [key, at] of keys) if (at < nowMs - seenRetentionMs) keys.delete(key);
    },
    startedAt: async (source) => of(fields, source).get('startedAt'),
    async markStarted(source, atMs) {
      of(fields, source).set('startedAt', atMs);
    },
    backoffUntil: async (source) => of(fields, source).get('backoffUntil'),
    async recordFailure(source, nowMs, delayFor) {
      const failures = (of(fields, source).get('failures') ?? 0) + 1;
      of(fields, source).set('failures', failures);
      const until = nowMs + delayFor(failures);
      of(fields, source).set('backoffUntil', until);
      return until;
    },
    async recordSuccess(source, caughtUpToMs) {
      of(fields, source).delete('failures');
      of(fields, source).delete('backoffUntil');
      const current = of(fields, source).get('polledUntil');
      if (caughtUpToMs !== undefined && (current === undefined || caughtUpToMs > current))
        of(fields, source).set('polledUntil', caughtUpToMs);
    },
    polledUntil: async (source) => of(fields, source).get('polledUntil'),
  };
}
