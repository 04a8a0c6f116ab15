import type { QueueName } from './job-types.js';

/** How one queue's jobs run: how many at once per worker process, how often they are tried, how long they are kept. */
export interface QueueSettings {
  /** Jobs of this queue handled at once per worker process. */
  concurrency: number;
  /** Attempts of a job before it fails (transient errors only; permanent ones fail at once). */
  attempts: number;
  /** First wait between attempts in ms; it doubles each attempt, with jitter. */
  backoffMs: number;
  /** Longest wait between attempts in ms (0: no cap); a Retry-After from the remote side still wins. */
  maxBackoffMs: number;
  /** Retention of finished jobs; completed jobs double as the duplicate filter of job ids. */
  retention: { completedSeconds: number; completedCount: number; failedSeconds: number };
}

/** The settings of every queue of the service. */
export type QueueSettingsByName = Readonly<Record<QueueName, QueueSettings>>;

/** One week in seconds. */
const WEEK_SECONDS = 7 * 86_400;

/**
 * The settings every queue starts from, before `<QUEUE>_*` settings change them (src/config/read-queue-settings.ts).
 * Each figure has its reason beside it; the per-queue defaults below change only concurrency.
 */
export const BASE_QUEUE_SETTINGS: QueueSettings = {
  concurrency: 10, // each event or invitation does 2–4 EPD requests; 10 keeps a small EPD comfortable
  attempts: 12, // 11 retries from 30 s doubling ≈ 17 h: outlives a night's outage of an aid platform or the EPD
  backoffMs: 30_000, // the first retry after half a minute: long enough for a restart, short enough to feel prompt
  maxBackoffMs: 0, // no cap, so 12 attempts from 30 s still span a night's outage
  retention: {
    completedSeconds: WEEK_SECONDS, // a week of completed jobs: duplicate deliveries arrive within minutes
    completedCount: 100_000, // bounds Redis memory (~0.8 KB a job) whatever the rate
    failedSeconds: 30 * 86_400, // failed jobs wait a month for an operator to replay them
  },
};

/** Concurrency per queue where it differs from the base: the settings that were constants before. */
export const DEFAULT_CONCURRENCY: Readonly<Record<QueueName, number>> = {
  events: 10,
  invitations: 10,
  poll: 4, // one poll per source runs at a time (lock); the rest wait or skip
  results: 4, // each result is 3–6 EPD requests: a few at once keep a small EPD comfortable
  kpi: 1, // a report runs once a month (or on demand) and searches the EPD: one at a time is plenty
};
