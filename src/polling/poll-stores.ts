import type { RedisConnection } from '../queue/redis-connection.js';
import { createGapTracker, type GapTracker } from '../gaps/gap-tracker.js';
import { createCursorStore, type CursorStore } from './cursor-store.js';
import { createIntakeCounters, type IntakeCounters } from './poll-counters.js';
import { createPollLock, type PollLock } from './poll-lock.js';

/** The shared state of polling and gap detection: cursors, locks, counters and event numbers. */
export interface PollStores {
  cursors: CursorStore;
  lock: PollLock;
  counters: IntakeCounters;
  tracker: GapTracker;
}

/**
 * The Redis adapters of every polling port on one connection. `seenRetentionMs` must cover the
 * longest window that is read again (see createCursorStore).
 */
export function createPollStores(redis: RedisConnection, prefix: string, seenRetentionMs: number): PollStores {
  return {
    cursors: createCursorStore(redis, prefix, seenRetentionMs),
    lock: createPollLock(redis, prefix),
    counters: createIntakeCounters(redis, prefix),
    tracker: createGapTracker(redis, prefix),
  };
}
