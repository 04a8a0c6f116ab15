import type { RedisConnection } from '../queue/redis-connection.js';

/**
 * Remembers "this patient was invited to this aid" for the length of a trigger's throttle window.
 * Kept apart from job retention on purpose: a throttle of 90 days must outlive completed jobs.
 */
export interface ThrottleStore {
  /**
   * Claims the window for `key` on behalf of `claimant` (the triggering resource version). True when
   * the window was free, or is already held by the same claimant (a retried job, or a second
   * recipient of the same event); false when another event holds it.
   */
  claim(key: string, claimant: string, windowMs: number): Promise<boolean>;
}

/** Redis-backed throttle: one key per (aid, patient) that expires with its window. */
export function createThrottleStore(redis: RedisConnection, prefix: string): ThrottleStore {
  return {
    async claim(key, claimant, windowMs) {
      const redisKey = `${prefix}:throttle:${key}`;
      const set = await redis.set(redisKey, claimant, 'PX', windowMs, 'NX');
      if (set === 'OK') return true;
      return (await redis.get(redisKey)) === claimant;
    },
  };
}
