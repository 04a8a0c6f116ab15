import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { createCursorStore, type CursorStore } from './cursor-store.js';
import { createFakeCursorStore } from './fake-cursor-store.js';
import { observeGap, type GapObservation, type GapState } from '../gaps/gap-state.js';
import { createGapTracker, type GapTracker } from '../gaps/gap-tracker.js';
import { createFakeGapTracker } from '../gaps/fake-gap-tracker.js';
import { createIntakeCounters } from './poll-counters.js';
import { createPollLock } from './poll-lock.js';
import { TEST_REDIS_URL } from '../../test/helpers/redis.js';

/** The Redis stores of polling and gap detection behave like their in-memory fakes. */
describe('poll state in Redis', () => {
  const redis = new Redis(TEST_REDIS_URL);
  const prefix = `sdm-test-poll-${randomUUID().slice(0, 8)}`;
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  describe.each([
    ['Redis', () => createCursorStore(redis, `${prefix}:${randomUUID().slice(0, 4)}`, 10_000)],
    ['memory', () => createFakeCursorStore(10_000)],
  ] as [string, () => CursorStore][])('cursor store (%s)', (_kind, make) => {
    it('moves the cursor forward only', async () => {
      const store = make();
      expect(await store.cursor('hix')).toBeUndefined();
      await store.advance('hix', 2_000);
      await store.advance('hix', 1_000);
      expect(await store.cursor('hix')).toBe(2_000);
    });

    it('remembers queued event keys for the retention period', async () => {
      const store = make();
      await store.markSeen('hix', ['a', 'b'], 1_000);
      expect(await store.unseen('hix', ['a', 'b', 'c'])).toEqual(['c']);
      await store.markSeen('hix', ['c'], 20_000); // a and b are now older than the retention
      expect(await store.unseen('hix', ['a', 'b', 'c'])).toEqual(['a', 'b']);
    });

    it('backs off and forgets the failures after a success', async () => {
      const store = make();
      expect(await store.recordFailure('hix', 1_000, (n) => n * 100)).toBe(1_100);
      expect(await store.recordFailure('hix', 1_000, (n) => n * 100)).toBe(1_200);
      await store.recordSuccess('hix');
      expect(await store.backoffUntil('hix')).toBeUndefined();
      expect(await store.recordFailure('hix', 1_000, (n) => n * 100)).toBe(1_100);
    });
  });

  it('keeps the cursor the highest of many concurrent advances', async () => {
    const store = createCursorStore(redis, prefix, 10_000);
    await Promise.all(Array.from({ length: 50 }, (_, i) => store.advance('race', ((i * 37) % 50) * 1000)));
    expect(await store.cursor('race')).toBe(49_000);
  });

  it('lets one holder have the lock, and only that holder release it', async () => {
    const lock = createPollLock(redis, prefix);
    const token = await lock.acquire('poll:hix', 5_000);
    expect(token).toBeDefined();
    expect(await lock.acquire('poll:hix', 5_000)).toBeUndefined();
    await lock.release('poll:hix', 'not-the-holder');
    expect(await lock.acquire('poll:hix', 5_000)).toBeUndefined();
    await lock.release('poll:hix', token!);
    expect(await lock.acquire('poll:hix', 5_000)).toBeDefined();
  });

  it('adds counters up across writers', async () => {
    const counters = createIntakeCounters(redis, prefix);
    await Promise.all([
      counters.add('hix', 'polls'),
      counters.add('hix', 'polls'),
      counters.add('hix', 'pollEventsQueued', 5),
    ]);
    expect(await counters.read('hix')).toEqual({ polls: 2, pollEventsQueued: 5 });
  });

  describe.each([
    ['Redis', () => createGapTracker(redis, `${prefix}:${randomUUID().slice(0, 4)}`)],
    ['memory', () => createFakeGapTracker()],
  ] as [string, () => GapTracker][])('gap tracker (%s)', (_kind, make) => {
    it('finds the hole in 1, 2, 4 and settles it', async () => {
      const tracker = make();
      const results = [];
      for (const n of [1, 2, 4])
        results.push(await tracker.observe('hix', 'Subscription/s', { numbers: [n], atMs: n }));
      expect(results).toEqual([{}, {}, { missingFrom: 3 }]);
      await tracker.settle('hix', 'Subscription/s', 4, 10);
      expect(await tracker.state('hix', 'Subscription/s')).toEqual({ upTo: 4, upToAt: 10, known: 4, ahead: [] });
      expect(await tracker.subscriptions('hix')).toEqual([{ subscription: 'Subscription/s', lastSeenAt: 4 }]);
    });
  });

  it.each([
    [
      '1, 2, 4, 3',
      [
        { numbers: [1], atMs: 1 },
        { numbers: [2], atMs: 2 },
        { numbers: [4], atMs: 3 },
        { numbers: [3], atMs: 4 },
      ],
    ],
    [
      'a heartbeat count beyond what came',
      [
        { numbers: [5], atMs: 1 },
        { numbers: [], count: 8, atMs: 2 },
        { numbers: [7, 6], atMs: 3 },
      ],
    ],
    [
      'a handshake restarts the count',
      [
        { numbers: [9], atMs: 1 },
        { numbers: [], count: 0, reset: true, atMs: 2 },
        { numbers: [2], atMs: 3 },
      ],
    ],
    [
      'first sight by a heartbeat count',
      [
        { numbers: [], count: 12, atMs: 1 },
        { numbers: [14], atMs: 2 },
      ],
    ],
  ] as [string, GapObservation[]][])('the Lua script follows observeGap: %s', async (_title, observations) => {
    const tracker = createGapTracker(redis, `${prefix}:${randomUUID().slice(0, 4)}`);
    let expected: GapState | undefined;
    for (const obs of observations) {
      const step = observeGap(expected, obs);
      expected = step.state ?? expected;
      expect(await tracker.observe('hix', 'Subscription/p', obs)).toEqual(
        step.missingFrom === undefined ? {} : { missingFrom: step.missingFrom },
      );
    }
    expect(await tracker.state('hix', 'Subscription/p')).toEqual(expected);
  });

  it('ends in the same state whatever the order of concurrent notifications', async () => {
    const tracker = createGapTracker(redis, prefix);
    const numbers = Array.from({ length: 40 }, (_, i) => i + 2).sort(() => Math.random() - 0.5);
    await tracker.observe('hix', 'Subscription/burst', { numbers: [1], atMs: 1 });
    await Promise.all(numbers.map((n) => tracker.observe('hix', 'Subscription/burst', { numbers: [n], atMs: 2 })));
    const expected = observeGap(undefined, { numbers: [1, ...numbers], atMs: 2 }).state;
    expect(await tracker.state('hix', 'Subscription/burst')).toEqual({ ...expected, upToAt: expect.any(Number) });
    expect((await tracker.state('hix', 'Subscription/burst'))?.upTo).toBe(41);
  });
});
