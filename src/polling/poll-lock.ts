import { randomUUID } from 'node:crypto';
import type { RedisConnection } from '../queue/redis-connection.js';

/** A lock per (source, kind): at most one poll, and one sweep, of a source at a time across all processes. */
export interface PollLock {
  /** A token when the lock was free (held for `ttlMs` at most), else undefined. */
  acquire(name: string, ttlMs: number): Promise<string | undefined>;
  /** Releases the lock only if `token` still holds it (an expired lock may belong to another poll now). */
  release(name: string, token: string): Promise<void>;
}

// Delete only our own lock: compare and delete in one step.
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/** `SET NX PX` lock in Redis. */
export function createPollLock(redis: RedisConnection, prefix: string): PollLock {
  const key = (name: string) => `${prefix}:poll-lock:${name}`;
  return {
    async acquire(name, ttlMs) {
      const token = randomUUID();
      return (await redis.set(key(name), token, 'PX', ttlMs, 'NX')) === 'OK' ? token : undefined;
    },
    async release(name, token) {
      await redis.eval(RELEASE, 1, key(name), token);
    },
  };
}
