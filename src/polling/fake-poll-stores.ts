import { createFakeGapTracker } from '../gaps/fake-gap-tracker.js';
import { createFakeCursorStore } from './fake-cursor-store.js';
import { createFakeIntakeCounters } from './fake-poll-counters.js';
import { createFakePollLock } from './fake-poll-lock.js';
import type { PollStores } from './poll-stores.js';

/** In-memory polling state for handler tests: the same ports as createPollStores, nothing shared. */
export function createFakePollStores(now: () => number = Date.now): PollStores {
  return {
    cursors: createFakeCursorStore(),
    lock: createFakePollLock(now),
    counters: createFakeIntakeCounters(),
    tracker: createFakeGapTracker(),
  };
}
