import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { describeRedisTarget, type RedisTarget } from './redis-target.js';

export { redactUrl } from './redis-target.js';

/** A connection to Redis in any topology: BullMQ and the stores take either. */
export type RedisConnection = Redis | Cluster;

/** What a connection is for (see `createRedisConnection`). */
export type ConnectionKind = 'worker' | 'intake';

/**
 * The one factory of Redis connections, for BullMQ and the stores alike, whatever the topology
 * (`RedisTarget`: one node, Redis Cluster, Sentinel; a plain URL means one node).
 *
 * Two kinds of connection, on purpose:
 * - `worker`: BullMQ workers block on Redis and must wait out a restart or failover
 *   (`maxRetriesPerRequest: null`, commands queued while offline);
 * - `intake`: the HTTP edge must fail fast (`enableOfflineQueue: false`) so the EPD gets a 503 at
 *   once and retries, instead of a request hanging while Redis is away.
 */
export function createRedisConnection(target: RedisTarget | string, kind: ConnectionKind): RedisConnection {
  const t: RedisTarget = typeof target === 'string' ? { kind: 'single', url: target } : target;
  const options = connectionOptions(kind);
  switch (t.kind) {
    case 'single':
      return new Redis(t.url, options);
    case 'sentinel':
      return new Redis({
        ...options,
        ...auth(t),
        sentinels: t.sentinels,
        name: t.name,
        ...(t.sentinelPassword ? { sentinelPassword: t.sentinelPassword } : {}),
        ...(t.db ? { db: t.db } : {}),
        // After a failover the old master may still answer for a moment: reconnect to the new one.
        reconnectOnError: (err) => err.message.startsWith('READONLY'),
      });
    case 'cluster':
      return new Cluster(t.nodes, clusterOptions(kind, options, auth(t)));
  }
}

/** Resolves once Redis answers PING, or rejects with a message that says how to start one. */
export async function assertRedisAnswers(target: RedisTarget | string, timeoutMs = 2_000): Promise<void> {
  const t: RedisTarget = typeof target === 'string' ? { kind: 'single', url: target } : target;
  const probe = createRedisConnection(t, 'worker'); // waits for the connection instead of refusing at once
  probe.on('error', () => undefined); // the rejected ping below carries the error
  try {
    await withTimeout(probe.ping(), timeoutMs);
  } catch (err) {
    throw new Error(
      `no Redis answers at ${describeRedisTarget(t)} (${(err as Error).message}). Start one, for example:\n` +
        `  redis-server --daemonize yes --port 6379 --save "" --appendonly no\n` +
        `or on Debian: apt-get install -y redis-server, or point REDIS_URL at a running Redis.`,
      { cause: err },
    );
  } finally {
    probe.disconnect();
  }
}

function connectionOptions(kind: ConnectionKind): RedisOptions {
  return {
    maxRetriesPerRequest: kind === 'worker' ? null : 1,
    enableOfflineQueue: kind === 'worker',
    lazyConnect: false,
    enableAutoPipelining: kind === 'intake',
    retryStrategy: (times) => Math.min(times * 200, 2_000), // keep reconnecting; never give up on Redis
  };
}

/**
 * A cluster client: the per-node options inside `redisOptions`, the queueing choice on the cluster
 * itself (it decides whether commands wait while slots are being learned or moved). Why
 * `dnsLookup` passes names through: nodes announce the addresses they know themselves by, which
 * in containers are often names only the cluster network resolves; ioredis would otherwise look
 * them up again and fail on some resolvers.
 */
function clusterOptions(kind: ConnectionKind, node: RedisOptions, credentials: RedisOptions): ClusterOptions {
  return {
    redisOptions: { ...node, ...credentials },
    enableOfflineQueue: kind === 'worker',
    enableAutoPipelining: kind === 'intake',
    maxRedirections: 16, // MOVED/ASK answers while a slot migrates or a replica takes over
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 300,
    clusterRetryStrategy: (times) => Math.min(times * 200, 2_000),
    dnsLookup: (address, callback) => callback(null, address),
  };
}

function auth(t: { username?: string; password?: string; tls: boolean }): RedisOptions {
  return {
    ...(t.username ? { username: t.username } : {}),
    ...(t.password ? { password: t.password } : {}),
    ...(t.tls ? { tls: {} } : {}),
  };
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
