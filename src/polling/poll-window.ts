import type { SearchParams } from '../epd/epd-client.js';

/** A range of `meta.lastUpdated` to read (epoch ms): `from` inclusive, `to` exclusive; no `to` means "up to now". */
export interface ReadWindow {
  from: number;
  to?: number;
}

/** The poll settings the window arithmetic needs. */
export interface WindowSettings {
  overlapMs: number;
  maxWindowMs: number;
}

/**
 * The window of the next cursor poll. It starts `overlapMs` before the cursor: a resource the EPD
 * stamped slightly in the past (clock skew, a transaction that committed late, several resources
 * with the same instant) is read again rather than skipped, and its event key makes the second read
 * add nothing. Far behind (after an outage) the window is closed at `maxWindowMs`, so one search never
 * pages through a day of changes; such a slice lies wholly before `now - overlap`.
 */
export function nextPollWindow(cursorMs: number, nowMs: number, settings: WindowSettings): ReadWindow {
  const from = cursorMs - settings.overlapMs;
  const end = from + settings.maxWindowMs;
  return end < nowMs - settings.overlapMs ? { from, to: end } : { from };
}

/**
 * Where the cursor goes once a window's events are queued. A closed slice was read whole, so the
 * cursor moves to its end; an open window moves it to the newest `meta.lastUpdated` seen (the EPD's
 * own clock, so skew does not matter here). It never moves back.
 */
export function cursorAfter(cursorMs: number, window: ReadWindow, newestSeenMs: number | undefined): number {
  if (window.to !== undefined) return Math.max(cursorMs, window.to);
  return Math.max(cursorMs, newestSeenMs ?? cursorMs);
}

/** A long window (a sweep, a recovery) as slices of at most `maxWindowMs`; the last one stays open. */
export function sliceWindow(fromMs: number, nowMs: number, maxWindowMs: number): ReadWindow[] {
  const slices: ReadWindow[] = [];
  let from = fromMs;
  while (from + maxWindowMs < nowMs) {
    slices.push({ from, to: from + maxWindowMs });
    from += maxWindowMs;
  }
  slices.push({ from });
  return slices;
}

/**
 * The search of one window: `ge` (not `gt`) so a resource stamped exactly at the boundary is never
 * skipped, sorted oldest first, paged. Times are written in UTC with milliseconds.
 */
export function windowSearchParams(window: ReadWindow, pageSize: number): SearchParams {
  const from = `ge${new Date(window.from).toISOString()}`;
  const lastUpdated = window.to === undefined ? from : [from, `lt${new Date(window.to).toISOString()}`];
  return { _lastUpdated: lastUpdated, _sort: '_lastUpdated', _count: String(pageSize) };
}
