import type { PollConfig } from '../config/load-config.js';
import { EpdError } from '../epd/epd-error.js';
import type { PollJobData } from '../queue/job-types.js';
import { AppError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { pollBackoffMs } from './poll-backoff.js';
import type { IntakeCounters } from './poll-counters.js';
import type { PollLock } from './poll-lock.js';
import { readWindow, type WindowReaderDeps } from './poll-read-window.js';
import { cursorAfter, nextPollWindow } from './poll-window.js';

/** What a cursor poll needs besides reading windows. */
export interface PollSourceDeps extends WindowReaderDeps {
  lock: PollLock;
  counters: IntakeCounters;
  settings: PollConfig;
  /** Resource types to search for a source (configured, else what the mapping files need). */
  typesFor: (source: string) => readonly string[];
  sleep?: (ms: number) => Promise<void>;
}

/** What one poll did; the job's result. */
export interface PollResult {
  outcome: 'polled' | 'skipped';
  why?: string;
  found?: number;
  queued?: number;
  /** ISO 8601: the cursor after the poll. */
  cursor?: string;
}

/** Longer than any poll should take; if one does, the monotonic cursor and event keys keep a second one harmless. */
const POLL_LOCK_MS = 10 * 60_000;
/** A ping or gap poll waits this long for a running poll of its source, which may have searched before the change. */
const LOCK_WAIT_MS = 30_000;
/** How often a waiting poll tries the lock again. */
const LOCK_RETRY_MS = 200;
/** One run catches up at most this many closed slices (a day of hourly ones), so no run holds the lock for long. */
const MAX_SLICES_PER_RUN = 24;

/**
 * Searches a source for changes since its cursor and queues their events, then moves the cursor.
 * Why the order matters: the cursor moves only after Redis holds the jobs, so a crash or an EPD
 * error at any point leaves the cursor where the next poll must start. A scheduled poll skips while
 * another poll of the source runs or while the source is backing off; a requested one (ping, gap)
 * waits, or is retried by the queue, and is skipped only when a later poll already covers it.
 */
export async function pollSource(deps: PollSourceDeps, data: PollJobData, log: Logger): Promise<PollResult> {
  const { source } = data;
  const requested = data.reason !== 'schedule';
  const pausedUntil = (await deps.cursors.backoffUntil(source)) ?? 0;
  const nowMs = deps.now().getTime();
  if (pausedUntil > nowMs) {
    if (!requested) return { outcome: 'skipped', why: 'backing off after failures' };
    const message = 'the EPD failed recently; the poll waits for its backoff';
    throw new EpdError(message, { status: 503, retry: true, code: 'transient', retryAfterMs: pausedUntil - nowMs });
  }
  const token = await acquire(deps, `poll:${source}`, requested ? LOCK_WAIT_MS : 0);
  if (!token) {
    if (!requested) return { outcome: 'skipped', why: 'another poll of this source is running' };
    throw new AppError('another poll of this source is still running', { status: 503, retry: true, code: 'transient' });
  }
  try {
    const requestedAt = data.requestedAt ? Date.parse(data.requestedAt) : Number.NaN;
    if (((await deps.cursors.startedAt(source)) ?? -1) >= requestedAt)
      return { outcome: 'skipped', why: 'covered by a later poll' };
    return await pollHoldingLock(deps, source, log);
  } catch (err) {
    await recordFailure(deps, source, err, log);
    throw err;
  } finally {
    await deps.lock.release(`poll:${source}`, token);
  }
}

async function pollHoldingLock(deps: PollSourceDeps, source: string, log: Logger): Promise<PollResult> {
  const started = deps.now().getTime();
  await deps.cursors.markStarted(source, started);
  // The first poll of a source starts just before now: what happened earlier is the sweep's to find.
  let cursor = (await deps.cursors.cursor(source)) ?? started;
  await deps.cursors.advance(source, cursor);
  const types = deps.typesFor(source);
  const total = { found: 0, queued: 0 };
  let caughtUp = false;
  for (let slice = 0; slice < MAX_SLICES_PER_RUN && !caughtUp; slice++) {
    const window = nextPollWindow(cursor, deps.now().getTime(), deps.settings);
    const read = await readWindow(deps, source, types, window, log);
    total.found += read.found;
    total.queued += read.queued;
    cursor = cursorAfter(cursor, window, read.newestMs);
    await deps.cursors.advance(source, cursor);
    caughtUp = window.to === undefined;
  }
  // The searches of a caught-up poll reached the present as it was when the poll began: the lag's zero point.
  await deps.cursors.recordSuccess(source, caughtUp ? started : undefined);
  await deps.counters.add(source, 'polls');
  await deps.counters.add(source, 'pollEventsQueued', total.queued);
  const result: PollResult = { outcome: 'polled', ...total, cursor: new Date(cursor).toISOString() };
  log.info({ source, found: total.found, queued: total.queued, cursor: result.cursor }, 'poll finished');
  return result;
}

async function acquire(deps: PollSourceDeps, name: string, waitMs: number): Promise<string | undefined> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (let tries = Math.ceil(waitMs / LOCK_RETRY_MS); ; tries--) {
    const token = await deps.lock.acquire(name, POLL_LOCK_MS);
    if (token || tries <= 0) return token;
    await sleep(LOCK_RETRY_MS);
  }
}

/** The cursor stays; scheduled polls pause (exponentially, or as long as the EPD's Retry-After says). */
async function recordFailure(deps: PollSourceDeps, source: string, err: unknown, log: Logger): Promise<void> {
  const retryAfterMs = err instanceof EpdError ? err.retryAfterMs : undefined;
  const until = await deps.cursors.recordFailure(source, deps.now().getTime(), (failures) =>
    pollBackoffMs(failures, deps.settings.intervalMs, retryAfterMs),
  );
  await deps.counters.add(source, 'pollFailures');
  const status = err instanceof AppError ? err.status : undefined;
  // The message carries the EPD's OperationOutcome issue texts (see epd-error.ts), never a resource.
  log.warn(
    { source, status, reason: (err as Error).message, pausedUntil: new Date(until).toISOString() },
    'poll failed; cursor stays',
  );
}
