import { Queue } from 'bullmq';
import pino from 'pino';
import { connectTestRedis, removeKeysUnder, uniquePrefix } from '../../test/helpers/redis.js';
import { waitFor } from '../../test/helpers/polling.js';
import { createWorker, type RunningWorker } from './create-worker.js';

/**
 * A worker that is alive but takes no job (what a wedged blocking connection after a Redis failover
 * looks like; here made by pausing the BullMQ worker behind our back) is started again by the
 * watchdog, and the jobs that waited run.
 */
describe('the worker watchdog on Redis', () => {
  const redis = connectTestRedis();
  const prefix = uniquePrefix('watchdog');
  const queue = new Queue('wedge', { connection: redis, prefix });
  let running: RunningWorker | undefined;
  const done: string[] = [];
  let restarts = 0;
  afterAll(async () => {
    await running?.close();
    await queue.close();
    await removeKeysUnder(redis, prefix);
    redis.disconnect();
  });

  it('starts a worker that took no job for two looks while jobs were ready, and the jobs run', async () => {
    running = createWorker<{ n: number }, void>({
      queue: 'wedge',
      prefix,
      connection: redis,
      concurrency: 1,
      log: pino({ level: 'silent' }),
      handler: async (data) => void done.push(String(data.n)),
      watchdog: {
        everyMs: 200,
        queue: { ready: () => queue.getJobCountByTypes('waiting', 'prioritized'), paused: () => queue.isPaused() },
        onRestart: () => restarts++,
      },
    });
    await queue.add('job', { n: 1 });
    await waitFor('the first job to run', async () => done.length === 1, 5_000);
    const wedged = running.worker;
    await wedged.pause(true); // alive, connected, and takes nothing
    await queue.addBulk([2, 3, 4].map((n) => ({ name: 'job', data: { n } })));
    await waitFor('the waiting jobs to run on a new worker', async () => done.length === 4, 10_000);
    expect(restarts).toBe(1);
    expect(running.worker).not.toBe(wedged);
    expect(done.sort()).toEqual(['1', '2', '3', '4']);
  });

  it('leaves a worker alone while its queue is paused from the dashboard', async () => {
    await queue.pause();
    await queue.add('job', { n: 5 });
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // five looks
    expect(restarts).toBe(1);
    await queue.resume();
    await waitFor('the job to run after the resume', async () => done.length === 5, 5_000);
  });
});
