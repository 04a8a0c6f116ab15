import type { ThrottleStore } from './throttle-store.js';

/** In-memory throttle for unit tests of handlers. */
export function createFakeThrottleStore(now: () => number = Date.now): ThrottleStore {
  const held = new Map<string, { claimant: string; until: number }>();
  return {
    async claim(key, claimant, windowMs) {
      const current = held.get(key);
      if (current && current.until > now()) return current.claimant === claimant;
      held.set(key, { claimant, until: now() + windowMs });
      return true;
    },
  };
}
