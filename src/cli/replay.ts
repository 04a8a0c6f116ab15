import type { Job, Queue } from 'bullmq';

/** Which failed jobs to move back. */
export interface ReplayFilter {
  /** Text the failure reason must contain (case-insensitive); absent: any reason. */
  reason?: string;
  /** Only jobs that failed at or after this time (epoch ms). */
  since?: number;
  /** At most this many jobs (newest failures first). */
  limit?: number;
}

/** One failed job that matched. */
export interface FailedJob {
  queue: string;
  id: string;
  failedReason: string;
  failedAt?: string;
  attemptsMade: number;
}

/** What a replay did. */
export interface ReplaySummary {
  matched: number;
  moved: number;
  /** Moved per queue. */
  byQueue: Record<string, number>;
  /** Jobs that could not be moved (e.g. retried or removed by someone else meanwhile), with why. */
  notMoved: { queue: string; id: string; error: string }[];
}

/** Failed jobs are read in pages of this many; a page is one Redis round trip. */
const PAGE_SIZE = 500;

/**
 * The failed jobs of the queues that match the filter, newest failure first. All are read before
 * any is moved: moving a job changes the failed list, so paging while moving would skip jobs.
 */
export async function findFailedJobs(
  queues: readonly Queue[],
  filter: ReplayFilter,
): Promise<{ queue: Queue; job: Job }[]> {
  const found: { queue: Queue; job: Job }[] = [];
  const reason = filter.reason?.toLowerCase();
  for (const queue of queues) {
    for (let start = 0; ; start += PAGE_SIZE) {
      const page = await queue.getFailed(start, start + PAGE_SIZE - 1);
      for (const job of page) {
        if (!job) continue; // removed between listing and reading
        if (reason !== undefined && !(job.failedReason ?? '').toLowerCase().includes(reason)) continue;
        if (filter.since !== undefined && (job.finishedOn ?? 0) < filter.since) continue;
        found.push({ queue, job });
      }
      // newest first: once a page ends before `since`, older pages hold nothing wanted
      const oldest = page.at(-1)?.finishedOn;
      if (page.length < PAGE_SIZE || (filter.since !== undefined && oldest !== undefined && oldest < filter.since))
        break;
    }
  }
  found.sort((a, b) => (b.job.finishedOn ?? 0) - (a.job.finishedOn ?? 0));
  return filter.limit === undefined ? found : found.slice(0, filter.limit);
}

/**
 * Moves failed jobs back to waiting with a fresh set of attempts (after the cause is fixed, a job
 * deserves the full retry budget again). Job ids stay the same, so nothing can be sent twice.
 */
export async function replayJobs(
  jobs: readonly { queue: Queue; job: Job }[],
  onProgress: (done: number, total: number) => void = () => undefined,
): Promise<ReplaySummary> {
  const summary: ReplaySummary = { matched: jobs.length, moved: 0, byQueue: {}, notMoved: [] };
  for (const [index, { queue, job }] of jobs.entries()) {
    try {
      await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
      summary.moved += 1;
      summary.byQueue[queue.name] = (summary.byQueue[queue.name] ?? 0) + 1;
    } catch (err) {
      summary.notMoved.push({ queue: queue.name, id: job.id ?? '', error: (err as Error).message });
    }
    onProgress(index + 1, jobs.length);
  }
  return summary;
}

/** The facts of a failed job an operator needs to decide (references only; job data is not shown). */
export function describeFailedJob(queue: Queue, job: Job): FailedJob {
  return {
    queue: queue.name,
    id: job.id ?? '',
    failedReason: job.failedReason ?? '',
    ...(job.finishedOn ? { failedAt: new Date(job.finishedOn).toISOString() } : {}),
    attemptsMade: job.attemptsMade,
  };
}
