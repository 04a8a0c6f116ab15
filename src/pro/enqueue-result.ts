import type { Queue } from 'bullmq';
import type { ResultJobData } from '../queue/job-types.js';
import { resultJobId } from './accept-result.js';

/**
 * Adds the job that writes a result. Why a completed job is removed at once: it holds the answers,
 * and what recognises a result posted again is not the job id but the identifiers the write puts
 * in the EPD (conditional creates), which last as long as the record. A failed job stays for an
 * operator to replay (RETAIN_FAILED_SECONDS).
 */
export async function enqueueResult(queue: Queue<ResultJobData>, job: ResultJobData): Promise<void> {
  await queue.add(job.decisionAidId, job, { jobId: resultJobId(job), removeOnComplete: true });
}
