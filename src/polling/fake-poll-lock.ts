import { randomUUID } from 'node:crypto';
import type { PollLock } from './poll-lock.js';

/** In-memory lock for handler tests. */
export function createFakePollLock(now: () => number = Date.now): PollLock {
  const held = new Map<string, { token: string; until: number }>();
  return {
    async acquire(name, ttlMs) {
      const current = held.get(name);
      if (current && current.until > now()) return undefined;
      const token = randomUUID();
      held.set(name, { token, until: now() + ttlMs });
      return token;
    },
    async release(name, token) {
      if (held.get(name)?.token === token) held.delete(name);
    },
  };
}
