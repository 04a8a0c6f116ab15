import type { Logger } from '../shared/logger.js';
import type { PollScheduler } from './poll-scheduler.js';

/**
 * Every `everyMs`, puts back the poll schedulers that vanished. Why: the schedulers live in Redis;
 * after Redis lost its data (a restart without persistence, a failover to an empty replica, a
 * FLUSHALL) they are gone, and without this polling would stop for good while the processes look
 * healthy. Every worker process runs it; a scheduler restored twice is still one scheduler.
 */
export function keepSchedules(
  scheduler: Pick<PollScheduler, 'restoreMissing'>,
  everyMs: number,
  log: Logger,
): { close(): Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  const check = async () => {
    try {
      const restored = await scheduler.restoreMissing();
      if (restored.length) log.warn({ schedulers: restored }, 'poll schedulers were missing; restored');
    } catch (err) {
      log.warn({ reason: (err as Error).message }, 'could not check the poll schedulers; trying again later');
    }
  };
  const timer = setInterval(() => {
    running = check();
  }, everyMs);
  timer.unref();
  return {
    async close() {
      clearInterval(timer);
      await running;
    },
  };
}
