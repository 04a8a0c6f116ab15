import { pollBackoffMs } from './poll-backoff.js';
import { cursorAfter, nextPollWindow, sliceWindow, windowSearchParams } from './poll-window.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T = Date.parse('2024-05-01T10:00:00.000Z');
const settings = { overlapMs: 5 * MIN, maxWindowMs: HOUR };

describe('nextPollWindow', () => {
  it.each([
    ['up to date: open window from cursor minus overlap', T, T + MIN, { from: T - 5 * MIN }],
    ['just inside one window: still open', T, T + HOUR, { from: T - 5 * MIN }],
    ['far behind: a closed slice of at most the max window', T, T + 5 * HOUR, { from: T - 5 * MIN, to: T + 55 * MIN }],
  ])('%s', (_title, cursor, now, expected) => {
    expect(nextPollWindow(cursor, now, settings)).toEqual(expected);
  });
});

describe('cursorAfter', () => {
  it.each([
    ['open window: the newest stamp seen', { from: T - 5 * MIN }, T + 30_000, T + 30_000],
    ['open window, nothing found: stays', { from: T - 5 * MIN }, undefined, T],
    ['open window, only older stamps (overlap re-read): never back', { from: T - 5 * MIN }, T - MIN, T],
    ['closed slice: its end, found or not', { from: T - 5 * MIN, to: T + 55 * MIN }, undefined, T + 55 * MIN],
  ])('%s', (_title, window, newest, expected) => {
    expect(cursorAfter(T, window, newest)).toBe(expected);
  });
});

describe('sliceWindow', () => {
  it.each([
    ['shorter than one slice', T - 30 * MIN, [{ from: T - 30 * MIN }]],
    [
      'a day in hourly slices, the last one open',
      T - 24 * HOUR,
      [
        ...Array.from({ length: 23 }, (_, i) => ({ from: T - (24 - i) * HOUR, to: T - (23 - i) * HOUR })),
        { from: T - HOUR },
      ],
    ],
  ])('%s', (_title, from, expected) => {
    expect(sliceWindow(from, T, HOUR)).toEqual(expected);
  });
});

describe('windowSearchParams', () => {
  it('searches ge (never gt, so a resource at the boundary instant is not skipped), sorted and paged', () => {
    expect(windowSearchParams({ from: T }, 50)).toEqual({
      _lastUpdated: 'ge2024-05-01T10:00:00.000Z',
      _sort: '_lastUpdated',
      _count: '50',
    });
  });
  it('closes a slice with lt', () => {
    expect(windowSearchParams({ from: T, to: T + HOUR }, 100)._lastUpdated).toEqual([
      'ge2024-05-01T10:00:00.000Z',
      'lt2024-05-01T11:00:00.000Z',
    ]);
  });
});

describe('pollBackoffMs', () => {
  it.each([
    [1, undefined, MIN],
    [3, undefined, 4 * MIN],
    [10, undefined, 15 * MIN],
    [1, 10 * MIN, 10 * MIN],
  ])('after %i failure(s) with Retry-After %p: %i ms', (failures, retryAfter, expected) => {
    expect(pollBackoffMs(failures, MIN, retryAfter)).toBe(expected);
  });
});
