import type { BackoffStrategy, JobsOptions } from 'bullmq';
import type { QueueSettings } from './queue-settings.js';

/** Name of the backoff strategy below, registered on every worker. */
export const BACKOFF_TYPE = 'exponential-retry-after';

/** Share of each backoff that is random, so retries of many jobs after one outage do not arrive together. */
const JITTER = 0.5;

/**
 * Exponential backoff with jitter that also honours a `Retry-After` the remote side sent
 * (errors carrying `retryAfterMs`): the longer of the two wins.
 */
export const retryAfterBackoff: BackoffStrategy = (attemptsMade, _type, err, job) => {
  const base = (job?.opts.backoff as { delay?: number } | undefined)?.delay ?? 1_000;
  const max = Math.round(2 ** Math.max(0, attemptsMade - 1) * base);
  const withJitter = Math.floor(max * (1 - JITTER) + Math.random() * max * JITTER);
  const retryAfterMs = (err as { retryAfterMs?: number } | undefined)?.retryAfterMs ?? 0;
  return Math.max(withJitter, retryAfterMs);
};

/** Default options of a queue's jobs: retries with backoff, and retention set on purpose. */
export function defaultJobOptions(settings: Pick<QueueSettings, 'attempts' | 'backoffMs' | 'retention'>): JobsOptions {
  const { retention } = settings;
  return {
    attempts: settings.attempts,
    backoff: { type: BACKOFF_TYPE, delay: settings.backoffMs },
    // Completed jobs double as the duplicate filter for job ids: keep them long enough to
    // recognise a redelivery, but bounded so Redis memory stays flat.
    removeOnComplete: { age: retention.completedSeconds, count: retention.completedCount },
    removeOnFail: { age: retention.failedSeconds },
  };
}
