import type { IntakeCounter, IntakeCounters } from './poll-counters.js';

/** In-memory counters for handler tests. */
export function createFakeIntakeCounters(): IntakeCounters {
  const counts = new Map<string, Partial<Record<IntakeCounter, number>>>();
  return {
    async add(source, counter, by = 1) {
      const of = counts.get(source) ?? {};
      of[counter] = (of[counter] ?? 0) + by;
      counts.set(source, of);
    },
    read: async (source) => ({ ...counts.get(source) }),
  };
}
