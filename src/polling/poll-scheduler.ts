import { createHash } from 'node:crypto';
import type { JobsOptions, Queue } from 'bullmq';
import { DEFAULT_SOURCE_MODE, type IntakeSource, type PollConfig } from '../config/load-config.js';
import type { PollJobData, PollReason } from '../queue/job-types.js';

/** Adds the `poll` queue's jobs: schedules per source, and polls and gap checks asked for by intake. */
export interface PollScheduler {
  /** Creates or updates the job schedulers of every source and removes those no longer wanted; every process may call it. */
  start(): Promise<void>;
  /** Creates the schedulers that should exist and do not (after Redis lost its data); returns their ids. */
  restoreMissing(): Promise<string[]>;
  /** An immediate poll of a source (an empty ping); coalesced when it runs (see pollSource). */
  requestPoll(source: string, reason?: PollReason): Promise<void>;
  /** A gap check after the grace period; one job per (source, subscription, first missing number). */
  scheduleGapCheck(source: string, subscription: string, missingFrom: number): Promise<void>;
}

/** Scheduled jobs are not retried: the next tick is the retry (and honours the backoff). */
const SCHEDULED_JOB: JobsOptions = { attempts: 1, removeOnComplete: { count: 100 }, removeOnFail: { count: 500 } };
/** Requested jobs keep the queue's retries; a day of them is plenty to look back on. */
const REQUESTED_RETENTION: Pick<JobsOptions, 'removeOnComplete' | 'removeOnFail'> = {
  removeOnComplete: { age: 86_400, count: 1_000 },
  removeOnFail: { age: 7 * 86_400, count: 1_000 },
};
/** Scheduler ids this service owns; others on the queue are left alone. */
const SCHEDULER_ID = /^(poll|reconcile|heartbeat)-/;

/** The schedulers a source needs: polls and sweeps when it is polled, heartbeat checks when it pushes. */
export function schedulersFor(
  source: IntakeSource,
  settings: PollConfig,
): { id: string; every: number; reason: PollReason }[] {
  const mode = source.mode ?? DEFAULT_SOURCE_MODE;
  const polled = mode !== 'push';
  const pushes = mode !== 'poll';
  return [
    ...(polled ? [{ id: `poll-${source.id}`, every: settings.intervalMs, reason: 'schedule' as const }] : []),
    ...(polled && settings.reconcileIntervalMs > 0
      ? [{ id: `reconcile-${source.id}`, every: settings.reconcileIntervalMs, reason: 'reconcile' as const }]
      : []),
    ...(pushes && settings.heartbeatCheckMs > 0
      ? [{ id: `heartbeat-${source.id}`, every: settings.heartbeatCheckMs, reason: 'heartbeat' as const }]
      : []),
  ];
}

/** The scheduler over the `poll` queue. */
export function createPollScheduler(options: {
  queue: Queue<PollJobData>;
  sources: readonly IntakeSource[];
  settings: PollConfig;
  now?: () => Date;
}): PollScheduler {
  const { queue, settings } = options;
  const now = options.now ?? (() => new Date());
  const wanted = options.sources.flatMap((source) =>
    schedulersFor(source, settings).map((s) => ({ ...s, source: source.id })),
  );
  // BullMQ's job scheduler adds one job per tick however many processes upsert it.
  const upsert = (s: (typeof wanted)[number]) =>
    queue.upsertJobScheduler(
      s.id,
      { every: s.every },
      { name: s.reason, data: { source: s.source, reason: s.reason }, opts: SCHEDULED_JOB },
    );
  return {
    async start() {
      for (const s of wanted) await upsert(s);
      const ids = new Set(wanted.map((s) => s.id));
      for (const existing of await queue.getJobSchedulers()) {
        const id = existing.key;
        if (SCHEDULER_ID.test(id) && !ids.has(id)) await queue.removeJobScheduler(id);
      }
    },
    async restoreMissing() {
      // Only the missing ones: upserting an existing scheduler would move its next tick.
      const existing = new Set((await queue.getJobSchedulers()).map((found) => found.key));
      const missing = wanted.filter((s) => !existing.has(s.id));
      for (const s of missing) await upsert(s);
      return missing.map((s) => s.id);
    },
    async requestPoll(source, reason = 'ping') {
      await queue.add(reason, { source, reason, requestedAt: now().toISOString() }, REQUESTED_RETENTION);
    },
    async scheduleGapCheck(source, subscription, missingFrom) {
      const jobId = `gap-${createHash('sha256').update(`${source}|${subscription}|${missingFrom}`).digest('hex').slice(0, 32)}`;
      const data: PollJobData = { source, reason: 'gap', subscription, missingFrom };
      await queue.add('gap', data, {
        jobId,
        delay: settings.gapGraceMs,
        removeOnComplete: { age: 3_600 },
        removeOnFail: REQUESTED_RETENTION.removeOnFail,
      });
    },
  };
}
