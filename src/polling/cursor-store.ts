import type { RedisConnection } from '../queue/redis-connection.js';

/**
 * The poll state of each source, kept in Redis so every worker process shares it: the cursor (the
 * newest `meta.lastUpdated` whose events are queued, epoch ms), the event keys already queued by a
 * poll or sweep, when the last poll began, and the backoff after failures.
 */
export interface CursorStore {
  cursor(source: string): Promise<number | undefined>;
  /** Moves the cursor forward; never back, so a slower concurrent poll cannot undo a faster one. */
  advance(source: string, toMs: number): Promise<void>;
  /** The event keys among `eventKeys` that no poll or sweep of this source queued before. */
  unseen(source: string, eventKeys: readonly string[]): Promise<string[]>;
  /** Remembers event keys as queued (call only after Redis holds their jobs). */
  markSeen(source: string, eventKeys: readonly string[], nowMs: number): Promise<void>;
  /** When the last poll of the source began searching: a ping asked for before then is covered. */
  startedAt(source: string): Promise<number | undefined>;
  markStarted(source: string, atMs: number): Promise<void>;
  /** Scheduled polls pause until this instant after failures. */
  backoffUntil(source: string): Promise<number | undefined>;
  /** Counts a failed poll and sets the pause `delayFor(failures in a row)`; returns its end. */
  recordFailure(source: string, nowMs: number, delayFor: (failures: number) => number): Promise<number>;
  recordSuccess(source: string): Promise<void>;
}

/** ZMSCORE/ZADD arguments per call: large sweeps are sent in bounded chunks. */
const CHUNK = 500;

// Compare-and-set in one step: two polls finishing together must not move the cursor back.
const ADVANCE = `
local current = tonumber(redis.call('HGET', KEYS[1], 'cursor'))
if current == nil or tonumber(ARGV[1]) > current then redis.call('HSET', KEYS[1], 'cursor', ARGV[1]) end
return 1`;

/**
 * Redis-backed store. `seenRetentionMs` must cover the longest window that is read again (the
 * reconciliation window plus the overlap); older keys are dropped as new ones are added.
 */
export function createCursorStore(redis: RedisConnection, prefix: string, seenRetentionMs: number): CursorStore {
  const state = (source: string) => `${prefix}:poll-state:${source}`;
  const seen = (source: string) => `${prefix}:poll-state:${source}:seen`;
  const numberField = async (source: string, field: string) => toNumber(await redis.hget(state(source), field));
  return {
    cursor: (source) => numberField(source, 'cursor'),
    async advance(source, toMs) {
      await redis.eval(ADVANCE, 1, state(source), String(Math.floor(toMs)));
    },
    async unseen(source, eventKeys) {
      const fresh: string[] = [];
      for (const chunk of chunks(eventKeys)) {
        const scores = await redis.zmscore(seen(source), ...chunk);
        chunk.forEach((key, i) => {
          if (scores[i] === null) fresh.push(key);
        });
      }
      return fresh;
    },
    async markSeen(source, eventKeys, nowMs) {
      for (const chunk of chunks(eventKeys)) await redis.zadd(seen(source), ...chunk.flatMap((key) => [nowMs, key]));
      await redis.zremrangebyscore(seen(source), '-inf', nowMs - seenRetentionMs);
    },
    startedAt: (source) => numberField(source, 'startedAt'),
    async markStarted(source, atMs) {
      await redis.hset(state(source), 'startedAt', String(atMs));
    },
    backoffUntil: (source) => numberField(source, 'backoffUntil'),
    async recordFailure(source, nowMs, delayFor) {
      const failures = await redis.hincrby(state(source), 'failures', 1);
      const until = nowMs + delayFor(failures);
      await redis.hset(state(source), 'backoffUntil', String(until));
      return until;
    },
    async recordSuccess(source) {
      await redis.hdel(state(source), 'failures', 'backoffUntil');
    },
  };
}

function toNumber(value: string | null): number | undefined {
  if (value === null) return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}
