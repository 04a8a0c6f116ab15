import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { IntakeSource, PollConfig } from '../config/load-config.js';
import type { PollJobData } from '../queue/job-types.js';
import { createLogger } from '../shared/logger.js';
import { keepSchedules } from './keep-schedules.js';
import { createPollScheduler } from './poll-scheduler.js';

const SETTINGS: PollConfig = {
  intervalMs: 60_000,
  overlapMs: 300_000,
  pageSize: 100,
  maxWindowMs: 3_600_000,
  reconcileIntervalMs: 3_600_000,
  reconcileWindowMs: 86_400_000,
  gapGraceMs: 30_000,
  heartbeatCheckMs: 60_000,
  heartbeatGraceMs: 60_000,
};
const SOURCES: IntakeSource[] = [
  { id: 'hix', auth: { type: 'bearer', token: 'a-token-of-enough-length' }, mode: 'both' },
];
const WANTED = ['heartbeat-hix', 'poll-hix', 'reconcile-hix'];

/** What a worker does after Redis lost its data, on real Redis under a private key prefix (never a FLUSHALL). */
describe('poll schedulers after Redis lost its data', () => {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
  const prefix = `sdm-test-heal-${randomUUID().slice(0, 8)}`;
  const queue = new Queue<PollJobData>('poll', { connection: redis, prefix });
  const scheduler = createPollScheduler({ queue, sources: SOURCES, settings: SETTINGS });
  const ids = async () => (await queue.getJobSchedulers()).map((s) => s.key).sort();
  /** Deletes every key of this test's prefix: what a Redis that lost its data looks like to it. */
  const loseData = async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
  };
  afterAll(async () => {
    await loseData();
    await queue.close();
    redis.disconnect();
  });

  it('restores only the missing schedulers, leaving the next tick of the others alone', async () => {
    await scheduler.start();
    expect(await ids()).toEqual(WANTED);
    const pollNext = (await queue.getJobScheduler('poll-hix'))?.next;
    await queue.removeJobScheduler('reconcile-hix');
    expect(await scheduler.restoreMissing()).toEqual(['reconcile-hix']);
    expect(await ids()).toEqual(WANTED);
    expect((await queue.getJobScheduler('poll-hix'))?.next).toBe(pollNext);
    expect(await scheduler.restoreMissing()).toEqual([]);
  });

  it('puts every scheduler back within a check once the keys are gone', async () => {
    await scheduler.start();
    await loseData();
    expect(await ids()).toEqual([]);
    const keeping = keepSchedules(scheduler, 50, createLogger({ level: 'silent' }));
    try {
      for (let tries = 0; tries < 200 && (await ids()).length < WANTED.length; tries++)
        await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      await keeping.close();
    }
    expect(await ids()).toEqual(WANTED);
    expect(await queue.getJobs(['waiting', 'delayed', 'prioritized'])).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'schedule', data: { source: 'hix', reason: 'schedule' } }),
      ]),
    );
  });
});
