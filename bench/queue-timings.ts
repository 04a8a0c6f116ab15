import type { Queue } from 'bullmq';
import { percentile } from './percentile.js';

/** Where a queue's jobs spent their time: waiting for a worker, then being processed (ms). */
export interface QueueTimings {
  jobs: number;
  waitP50Ms: number;
  waitP99Ms: number;
  runP50Ms: number;
  runP99Ms: number;
}

/** Jobs read back per queue: enough for stable percentiles, few enough to read in a second. */
const SAMPLE = 5_000;

/**
 * Wait and processing times of completed jobs, from BullMQ's own timestamps (added, processed,
 * finished): they show which stage of the pipeline the end-to-end latency is spent in.
 */
export async function queueTimings(queue: Queue): Promise<QueueTimings> {
  const jobs = await queue.getJobs(['completed'], 0, SAMPLE - 1);
  const waits: number[] = [];
  const runs: number[] = [];
  for (const job of jobs) {
    if (job.processedOn === undefined || job.finishedOn === undefined) continue;
    waits.push(job.processedOn - (job.timestamp + (job.delay ?? 0)));
    runs.push(job.finishedOn - job.processedOn);
  }
  waits.sort((a, b) => a - b);
  runs.sort((a, b) => a - b);
  return {
    jobs: runs.length,
    waitP50Ms: percentile(waits, 50),
    waitP99Ms: percentile(waits, 99),
    runP50Ms: percentile(runs, 50),
    runP99Ms: percentile(runs, 99),
  };
}
