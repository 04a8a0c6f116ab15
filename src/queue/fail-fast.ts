import type { RedisConnection } from './redis-connection.js';
import { AppError } from '../shared/errors.js';

/** Longest an intake request waits for Redis to take its jobs before answering 503. */
export const ENQUEUE_TIMEOUT_MS = 3_000; // well inside an EPD's HTTP timeout, so it sees our 503, not its own

/**
 * Runs a queue write only when the intake connection is up, and gives up after a timeout.
 * Why: BullMQ waits for a connection that is down instead of failing, and the EPD must get
 * a prompt 503 (and retry) rather than a hanging request, so nothing is lost or half-accepted.
 */
export async function whenRedisReady<T>(
  redis: RedisConnection,
  write: () => Promise<T>,
  timeoutMs = ENQUEUE_TIMEOUT_MS,
): Promise<T> {
  if (redis.status !== 'ready') {
    throw new AppError(`the queue is unavailable (Redis ${redis.status}); retry later`, {
      status: 503,
      code: 'transient',
    });
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new AppError('the queue did not answer in time; retry later', { status: 503, code: 'timeout' })),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([write(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
