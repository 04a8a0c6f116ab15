import type { RedisConnection } from '../queue/redis-connection.js';
import { luaCommand } from '../queue/lua-command.js';
import type { GapObservation, GapState } from './gap-state.js';

/** A subscription as the heartbeat check sees it. */
export interface WatchedSubscription {
  subscription: string;
  /** Epoch ms of the last notification of any kind. */
  lastSeenAt: number;
  /** The Subscription's heartbeat period in ms; 0: it has none; undefined: not looked up yet. */
  heartbeatMs?: number;
}

/** Event numbers and liveness per (source, subscription), shared by all processes. */
export interface GapTracker {
  /** Records a notification; returns the first missing number when there is a hole. */
  observe(source: string, subscription: string, obs: GapObservation): Promise<{ missingFrom?: number }>;
  state(source: string, subscription: string): Promise<GapState | undefined>;
  /** After a recovery read: numbers up to `coveredUpTo` count as handled. */
  settle(source: string, subscription: string, coveredUpTo: number, atMs: number): Promise<void>;
  subscriptions(source: string): Promise<WatchedSubscription[]>;
  setHeartbeat(source: string, subscription: string, heartbeatMs: number): Promise<void>;
  /** Marks the subscription as heard from (or as dealt with after a missed heartbeat). */
  touch(source: string, subscription: string, atMs: number): Promise<void>;
}

/** A subscription silent this long is forgotten (its state expires); an active one refreshes it. */
const STATE_TTL_MS = 30 * 24 * 3_600_000;

// The rules of observeGap (gap-state.ts) in one atomic step. Why Lua: notifications of one
// subscription arrive concurrently, and an optimistic read-modify-write livelocks under a burst.
// It also notes the subscription as heard from (set of subscriptions, watch hash): one round trip per notification.
// KEYS: state hash, ahead zset, subscriptions set, watch hash. ARGV: atMs, count ('' = none), reset ('1'), ttl, subscription, numbers...
const OBSERVE = `
local at, count = ARGV[1], tonumber(ARGV[2])
local function key(n) return string.format('%d', n) end
redis.call('SADD', KEYS[3], ARGV[5])
redis.call('HSET', KEYS[4], 'lastSeenAt', at)
redis.call('PEXPIRE', KEYS[4], ARGV[4])
if ARGV[3] == '1' then
  local start = count or 0
  redis.call('DEL', KEYS[2])
  redis.call('HSET', KEYS[1], 'upTo', key(start), 'upToAt', at, 'known', key(start))
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
  return -1
end
local upTo = tonumber(redis.call('HGET', KEYS[1], 'upTo'))
if upTo == nil then
  local lowest = nil
  for i = 6, #ARGV do local n = tonumber(ARGV[i]); if lowest == nil or n < lowest then lowest = n end end
  if lowest ~= nil then upTo = lowest - 1 elseif count ~= nil then upTo = count else return -1 end
  redis.call('HSET', KEYS[1], 'upTo', key(upTo), 'upToAt', at, 'known', key(upTo))
end
local known = tonumber(redis.call('HGET', KEYS[1], 'known'))
if count ~= nil and count > known then known = count end
for i = 6, #ARGV do
  local n = tonumber(ARGV[i])
  if n > known then known = n end
  if n > upTo then redis.call('ZADD', KEYS[2], n, key(n)) end
end
local moved = false
while redis.call('ZSCORE', KEYS[2], key(upTo + 1)) do
  redis.call('ZREM', KEYS[2], key(upTo + 1))
  upTo = upTo + 1
  moved = true
end
if moved then redis.call('HSET', KEYS[1], 'upTo', key(upTo), 'upToAt', at) end
redis.call('HSET', KEYS[1], 'known', key(known))
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
if known > upTo then return upTo + 1 end
return -1`;

// settleGap (gap-state.ts): everything up to the covered number counts as handled.
// KEYS: state hash, ahead zset. ARGV: covered, atMs.
const SETTLE = `
local upTo = tonumber(redis.call('HGET', KEYS[1], 'upTo'))
if upTo == nil then return 0 end
local function key(n) return string.format('%d', n) end
local covered = tonumber(ARGV[1])
if covered > upTo then upTo = covered end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', upTo)
while redis.call('ZSCORE', KEYS[2], key(upTo + 1)) do
  redis.call('ZREM', KEYS[2], key(upTo + 1))
  upTo = upTo + 1
end
redis.call('HSET', KEYS[1], 'upTo', key(upTo), 'upToAt', ARGV[2])
return 1`;

/** Redis-backed tracker: a hash and a sorted set per subscription, changed only by the scripts above. */
export function createGapTracker(redis: RedisConnection, prefix: string): GapTracker {
  const base = (source: string) => `${prefix}:gap:${source}`;
  const keys = (source: string, sub: string) => [`${base(source)}:${sub}`, `${base(source)}:${sub}:ahead`] as const;
  const watchKey = (source: string, sub: string) => `${base(source)}:${sub}:watch`;
  const observe = luaCommand(redis, 'sdmGapObserve', 4, OBSERVE);
  const settle = luaCommand(redis, 'sdmGapSettle', 2, SETTLE);
  return {
    async observe(source, sub, obs) {
      const count = obs.count === undefined ? '' : String(obs.count);
      const args = [
        String(obs.atMs),
        count,
        obs.reset ? '1' : '0',
        String(STATE_TTL_MS),
        sub,
        ...obs.numbers.map(String),
      ];
      const missingFrom = Number(
        await observe(...keys(source, sub), `${base(source)}:subscriptions`, watchKey(source, sub), ...args),
      );
      return missingFrom > 0 ? { missingFrom } : {};
    },
    async state(source, sub) {
      const [stateKey, aheadKey] = keys(source, sub);
      const fields = await redis.hgetall(stateKey);
      if (fields.upTo === undefined) return undefined;
      const ahead = (await redis.zrange(aheadKey, '0', '-1')).map(Number);
      return { upTo: Number(fields.upTo), upToAt: Number(fields.upToAt), known: Number(fields.known), ahead };
    },
    async settle(source, sub, coveredUpTo, atMs) {
      await settle(...keys(source, sub), String(coveredUpTo), String(atMs));
    },
    subscriptions: (source) => readWatched(redis, `${base(source)}:subscriptions`, (sub) => watchKey(source, sub)),
    async setHeartbeat(source, sub, heartbeatMs) {
      await redis.hset(watchKey(source, sub), 'heartbeatMs', String(heartbeatMs));
    },
    async touch(source, sub, atMs) {
      await redis.hset(watchKey(source, sub), 'lastSeenAt', String(atMs));
    },
  };
}

/** The subscriptions of a source with their liveness; those whose state expired are dropped from the set. */
async function readWatched(
  redis: RedisConnection,
  setKey: string,
  watchKey: (sub: string) => string,
): Promise<WatchedSubscription[]> {
  const watched: WatchedSubscription[] = [];
  for (const subscription of await redis.smembers(setKey)) {
    const fields = await redis.hgetall(watchKey(subscription));
    if (fields.lastSeenAt === undefined) {
      await redis.srem(setKey, subscription); // expired: silent for a month
      continue;
    }
    const heartbeat = fields.heartbeatMs === undefined ? {} : { heartbeatMs: Number(fields.heartbeatMs) };
    watched.push({ subscription, lastSeenAt: Number(fields.lastSeenAt), ...heartbeat });
  }
  return watched;
}
