import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { AppError, isRetryable } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { BACKOFF_TYPE, retryAfterBackoff } from './queue-options.js';

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
  worker: Worker;
}

/**
 * The only code that knows BullMQ's `Job`: narrows the logger, runs the handler, turns a permanent
 * failure into `UnrecoverableError` (straight to failed, reason kept) and logs the end of each attempt once.
 */
export function createWorker<D, R>(options: {
  queue: string;
  prefix: string;
  connection: Redis;
  concurrency: number;
  log: Logger;
  handler: JobHandler<D, R>;
}): RunningWorker {
  const log = options.log.child({ queue: options.queue });
  const worker = new Worker<D, R>(
    options.queue,
    async (job: Job<D, R>) => {
      const ctx: JobContext = {
        log: log.child({ jobId: job.id }),
        jobId: job.id ?? '',
        attempt: job.attemptsMade + 1,
        maxAttempts: job.opts.attempts ?? 1,
      };
      try {
        return await options.handler(job.data, ctx);
      } catch (err) {
        throw toQueueError(err);
      }
    },
    {
      connection: options.connection,
      prefix: options.prefix,
      concurrency: options.concurrency,
      settings: { backoffStrategy: retryAfterBackoff },
      autorun: true,
    },
  );
  worker.on('completed', (job) => log.info({ jobId: job.id, attempts: job.attemptsMade + 1 }, 'job completed'));
  worker.on('failed', (job, err) => {
    const final = !job || err instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
    const fields = { jobId: job?.id, attempt: job?.attemptsMade, errorId: (err as { errorId?: string }).errorId, reason: err.message };
    if (final) log.error(fields, 'job failed');
    else log.warn(fields, 'job attempt failed; will retry');
  });
  worker.on('error', (err) => log.error({ reason: err.message }, 'worker error'));
  return { name: options.queue, worker, close: () => worker.close() };
}

/** Permanent failures become UnrecoverableError so BullMQ does not retry them; retryAfterMs is kept. */
function toQueueError(err: unknown): Error {
  if (!isRetryable(err)) {
    const e = new UnrecoverableError(err instanceof Error ? err.message : String(err));
    Object.assign(e, { errorId: err instanceof AppError ? err.id : undefined });
    return e;
  }
  if (err instanceof Error) {
    if (err instanceof AppError) Object.assign(err, { errorId: err.id });
    return err;
  }
  return new Error(String(err));
}

export { BACKOFF_TYPE };
