import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

/**
 * The Redis the tests run against: REDIS_URL when set (CI, a private redis-server on its own port),
 * else the local default. Every test that talks to Redis takes its URL from here.
 */
export const TEST_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * A key or queue prefix no other test file, worker or engineer uses: the Redis is shared, so a test
 * reads and removes only keys under its own prefix.
 */
export function uniquePrefix(name: string): string {
  return `sdm-test-${name}-${randomUUID().slice(0, 8)}`;
}

/** A connection to the test Redis; the caller disconnects it (the leak guard fails the file otherwise). */
export function connectTestRedis(options: { maxRetriesPerRequest?: number | null } = {}): Redis {
  return new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: options.maxRetriesPerRequest ?? null });
}

/** Deletes every key under `prefix` with SCAN (never FLUSHDB: the Redis is shared). */
export async function removeKeysUnder(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
    if (keys.length) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}
