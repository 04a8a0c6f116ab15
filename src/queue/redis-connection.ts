import { Redis } from 'ioredis';

/**
 * Two kinds of Redis connection, on purpose:
 * - `worker`: BullMQ workers block on Redis and must wait out a restart (`maxRetriesPerRequest: null`);
 * - `intake`: the HTTP edge must fail fast (`enableOfflineQueue: false`) so the EPD gets a 503 at once
 *   and retries, instead of a request hanging while Redis is away.
 */
export function createRedisConnection(url: string, kind: 'worker' | 'intake'): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: kind === 'worker' ? null : 1,
    enableOfflineQueue: kind === 'worker',
    lazyConnect: false,
    enableAutoPipelining: kind === 'intake',
    retryStrategy: (times) => Math.min(times * 200, 2_000), // keep reconnecting; never give up on Redis
  });
}

/** Resolves once Redis answers PING, or rejects with a message that says how to start one. */
export async function assertRedisAnswers(url: string, timeoutMs = 2_000): Promise<void> {
  const probe = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
    connectTimeout: timeoutMs,
  });
  probe.on('error', () => undefined); // the rejected connect() below carries the error
  try {
    await probe.connect();
    await probe.ping();
  } catch (err) {
    throw new Error(
      `no Redis answers at ${redactUrl(url)} (${(err as Error).message}). Start one, for example:\n` +
        `  redis-server --daemonize yes --port 6379 --save "" --appendonly no\n` +
        `or on Debian: apt-get install -y redis-server, or point REDIS_URL at a running Redis.`,
      { cause: err },
    );
  } finally {
    probe.disconnect();
  }
}

/** A Redis URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable REDIS_URL)';
  }
}
