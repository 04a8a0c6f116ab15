import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { RedisConnection } from './redis-connection.js';
import { AppError, isRetryable } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { safeError } from '../shared/remote-error.js';
import type { JobAttempt } from '../shared/metrics.js';
import { BACKOFF_TYPE, retryAfterBackoff } from './queue-options.js';
import { cappedBackoff } from './capped-backoff.js';
import { createWedgeCounter, IDLE_LOOKS_BEFORE_RESTART, type WorkerLook } from './worker-watchdog.js';
import { setTimeout as sleep } from 'node:timers/promises';

/** What a job handler gets besides its data: a logger narrowed to the job, and attempt facts. */
export interface JobContext {
  log: Logger;
  jobId: string;
  attempt: number;
  maxAttempts: number;
}

/** A job handler: all I/O arrives in `deps` when the handler is made, so it is testable on fakes. */
export type JobHandler<D, R> = (data: D, ctx: JobContext) => Promise<R>;

/** A running worker. */
export interface RunningWorker {
  name: string;
  close(): Promise<void>;
  /** The BullMQ worker now (another one after the watchdog started it again). */
  readonly worker: Worker;
}

/** What the watchdog asks of the worker's queue. */
export interface QueueState {
  /** Jobs ready to run (waiting or prioritized). */
  ready(): Promise<number>;
  paused(): Promise<boolean>;
}

/** A wedged worker's close is bounded: its connection may not answer, and the new worker must not wait for it. */
const WEDGED_CLOSE_MS = 5_000;

/**
 * The only code that knows BullMQ's `Job`: narrows the logger, runs the handler, turns a permanent
 * failure into `UnrecoverableError` (straight to failed, reason kept) and logs the end of each attempt once.
 */
export function createWorker<D, R>(options: {
  queue: string;
  prefix: string;
  connection: RedisConnection;
  concurrency: number;
  log: Logger;
  handler: JobHandler<D, R>;
  /** Told how each attempt ended (metrics); what it throws is ignored. */
  observe?: (attempt: JobAttempt<D, R>) => void;
  /** Lock of an active job in ms (BullMQ default 30 s): after a worker crash the job runs again once it expires. */
  lockMs?: number;
  /** How often this worker hands out jobs whose lock expired, in ms (BullMQ default 30 s). */
  stalledCheckMs?: number;
  /** Longest wait between attempts (0 or absent: no cap; a Retry-After still wins). */
  maxBackoffMs?: number;
  /** Times a job may lose its lock and run again before it fails (BullMQ default 1). */
  maxStalls?: number;
  /** Looks at the worker this often and starts it again when it takes no job while jobs wait (0 or absent: off). */
  watchdog?: { everyMs: number; queue: QueueState; onRestart?: () => void };
}): RunningWorker {
  const log = options.log.child({ queue: options.queue });
  const activity = { running: 0, tookJob: false };
  let worker = startWorker(options, log, activity);
  const watchdog = options.watchdog?.everyMs ? options.watchdog : undefined;
  const wedged = createWedgeCounter();
  let closed = false;
  // Looks never overlap: the next is planned when one ends (below).
  const look = async () => {
    if (closed || !watchdog) return;
    const [ready, paused] = await Promise.all([watchdog.queue.ready(), watchdog.queue.paused()]);
    const found: WorkerLook = { ready, paused, running: activity.running, tookJob: activity.tookJob };
    activity.tookJob = false;
    if (closed || !wedged(found)) return;
    log.warn(
      { ready, idleMs: IDLE_LOOKS_BEFORE_RESTART * watchdog.everyMs },
      'worker took no job while jobs were ready; starting it again',
    );
    watchdog.onRestart?.();
    const old = worker;
    worker = startWorker(options, log, activity);
    await Promise.race([old.close(true), sleep(WEDGED_CLOSE_MS, undefined, { ref: false })]).catch(() => undefined);
  };
  // The next look is planned when one ends, not on a fixed beat: after the event loop was busy, a
  // fixed beat fires its missed looks back to back, and two idle looks a few ms apart prove nothing.
  let timer: NodeJS.Timeout | undefined;
  const planLook = () => {
    if (closed || !watchdog) return;
    timer = setTimeout(() => {
      void look()
        .catch((err: Error) => log.warn({ reason: err.message }, 'worker watchdog could not look'))
        .finally(planLook);
    }, watchdog.everyMs);
    timer.unref();
  };
  planLook();
  return {
    name: options.queue,
    get worker() {
      return worker;
    },
    close: async () => {
      closed = true;
      clearTimeout(timer);
      await worker.close();
    },
  };
}

/** One BullMQ worker with the handler and the logging; `activity` is kept up to date for the watchdog. */
function startWorker<D, R>(
  options: Parameters<typeof createWorker<D, R>>[0],
  log: Logger,
  activity: { running: number; tookJob: boolean },
): Worker<D, R> {
  const worker = new Worker<D, R>(
    options.queue,
    async (job: Job<D, R>) => {
      const ctx: JobContext = {
        log: log.child({ jobId: job.id, ...requestIdOfJob(job.data) }),
        jobId: job.id ?? '',
        attempt: job.attemptsMade + 1,
        maxAttempts: job.opts.attempts ?? 1,
      };
      const started = performance.now();
      const observe = (outcome: JobAttempt['outcome'], result?: R) => {
        try {
          options.observe?.({ data: job.data, outcome, durationMs: performance.now() - started, result });
        } catch {
          // counting is never a reason to fail or retry a job
        }
      };
      // Counted around the handler itself, not from BullMQ's events: after a failover a job's
      // completion can fail ("Missing lock"), and no 'completed' or 'failed' event follows.
      activity.running++;
      activity.tookJob = true;
      try {
        const result = await options.handler(job.data, ctx);
        observe('completed', result);
        return result;
      } catch (err) {
        const error = toQueueError(err);
        observe(error instanceof UnrecoverableError || ctx.attempt >= ctx.maxAttempts ? 'failed' : 'retry');
        throw error;
      } finally {
        activity.running--;
      }
    },
    {
      connection: options.connection,
      prefix: options.prefix,
      concurrency: options.concurrency,
      settings: { backoffStrategy: cappedBackoff(retryAfterBackoff, options.maxBackoffMs ?? 0) },
      ...(options.lockMs ? { lockDuration: options.lockMs } : {}),
      ...(options.stalledCheckMs ? { stalledInterval: options.stalledCheckMs } : {}),
      ...(options.maxStalls !== undefined ? { maxStalledCount: options.maxStalls } : {}),
      autorun: true,
    },
  );
  // Debug: each job logs its own outcome at info ('event evaluated', 'invitation recorded', ...);
  // a second line per job doubled the log volume of a replay without saying more.
  worker.on('completed', (job) => log.debug({ jobId: job.id, attempts: job.attemptsMade + 1 }, 'job completed'));
  worker.on('failed', (job, err) => {
    const final = !job || err instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
    const fields = {
      jobId: job?.id,
      attempt: job?.attemptsMade,
      errorId: (err as { errorId?: string }).errorId,
      reason: err.message,
    };
    if (final) log.error(fields, 'job failed');
    else log.warn(fields, 'job attempt failed; will retry');
  });
  worker.on('error', (err) => log.error({ reason: err.message }, 'worker error'));
  return worker;
}

/**
 * Permanent failures become UnrecoverableError so BullMQ does not retry them; retryAfterMs is kept.
 * What BullMQ stores (`failedReason`, `stacktrace`, kept for weeks and shown on the dashboard) is
 * `safeErrorText`: an error that is not the service's own never reaches Redis with its message.
 */
function toQueueError(err: unknown): Error {
  if (!isRetryable(err)) {
    const e = safeError(err, (message) => new UnrecoverableError(message));
    Object.assign(e, { errorId: err instanceof AppError ? err.id : undefined });
    return e;
  }
  if (err instanceof AppError) return Object.assign(err, { errorId: err.id });
  return safeError(err, (message) => new Error(message));
}

export { BACKOFF_TYPE };

/** The request id a job carries (src/shared/request-id.ts), as a log field: every line about the job can be traced. */
function requestIdOfJob(data: unknown): { requestId?: string } {
  const requestId = (data as { requestId?: unknown } | null)?.requestId;
  return typeof requestId === 'string' ? { requestId } : {};
}
