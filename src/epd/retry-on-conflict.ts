import { setTimeout as sleep } from 'node:timers/promises';
import { EpdError, isConflictStatus } from './epd-error.js';

/** How often, and how far apart, a write the EPD answered with a conflict is tried inside the client. */
export interface ConflictRetry {
  /** All tries together, the first included. */
  tries: number;
  /** Wait before the second try; doubled for each further one, plus up to as much again at random. */
  backoffMs: number;
}

/**
 * Three tries 50–100 ms and 100–200 ms apart: a serialization conflict clears as soon as the other
 * transaction commits, usually within milliseconds. Longer would hold a worker slot for nothing:
 * after the last try the error is retryable and the job's own backoff takes over.
 */
export const DEFAULT_CONFLICT_RETRY: ConflictRetry = { tries: 3, backoffMs: 50 };

/**
 * Runs `work`, and again after a short random wait while it fails with a 409 or 412 (see
 * `isConflictStatus`), at most `retry.tries` times in all; the last error is thrown as it is
 * (retryable), any other error at once. Only for writes that are safe to send twice.
 */
export async function retryOnConflict<T>(work: () => Promise<T>, retry: ConflictRetry): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (!(err instanceof EpdError) || !isConflictStatus(err.status) || attempt >= retry.tries) throw err;
      const wait = retry.backoffMs * 2 ** (attempt - 1);
      // Jitter: two writers that met once should not meet again on the same schedule.
      await sleep(wait + Math.random() * wait);
    }
  }
}
