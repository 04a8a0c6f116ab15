import type { BackoffStrategy } from 'bullmq';

/** Share of a capped wait that is random, so jobs held at the cap do not all come back together. */
const CAP_JITTER = 0.5;

/**
 * Wraps a backoff strategy so no wait exceeds `maxMs` (0: no cap). Why: exponential growth is right
 * for a remote side that is down for hours, but once a job has waited `maxMs` another doubling only
 * delays a recovery that has already happened. A `Retry-After` the remote side sent is still honoured
 * in full: it is the remote side's own statement of when to come back.
 */
export function cappedBackoff(strategy: BackoffStrategy, maxMs: number): BackoffStrategy {
  if (maxMs <= 0) return strategy;
  return (attemptsMade, type, err, job) => {
    const wait = Number(strategy(attemptsMade, type, err, job));
    const retryAfterMs = (err as { retryAfterMs?: number } | undefined)?.retryAfterMs ?? 0;
    const capped = wait > maxMs ? Math.floor(maxMs * (1 - CAP_JITTER) + Math.random() * maxMs * CAP_JITTER) : wait;
    return Math.max(capped, retryAfterMs);
  };
}
