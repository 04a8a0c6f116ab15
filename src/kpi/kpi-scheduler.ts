import type { JobsOptions, Queue } from 'bullmq';
import type { KpiJobData } from '../queue/job-types.js';
import { BACKOFF_TYPE } from '../queue/queue-options.js';
import type { KpiSettings } from './kpi-settings.js';

/** The id of the monthly job scheduler on the `kpi` queue. */
export const KPI_SCHEDULER_ID = 'kpi-monthly-measure-report';

/**
 * A scheduled report that fails is retried a few times (the EPD may be down at 03:00); a day of
 * attempts, then it waits for an operator (`sdm-bridge kpi --period … --write` or a replay).
 */
const SCHEDULED_JOB: JobsOptions = {
  attempts: 8,
  backoff: { type: BACKOFF_TYPE, delay: 60_000 }, // the workers' backoff: doubling from a minute, with jitter
  removeOnComplete: { count: 24 },
  removeOnFail: { count: 24 },
};

/**
 * Creates or updates the monthly MeasureReport schedule on the `kpi` queue, or removes it when no
 * cron pattern is configured. Every worker process may call it: BullMQ's job scheduler adds one
 * job per tick however many processes upsert it.
 */
export async function scheduleKpiReports(
  queue: Queue<KpiJobData>,
  settings: Pick<KpiSettings, 'reportCron' | 'timeZone'>,
): Promise<void> {
  if (!settings.reportCron) {
    await queue.removeJobScheduler(KPI_SCHEDULER_ID);
    return;
  }
  await queue.upsertJobScheduler(
    KPI_SCHEDULER_ID,
    { pattern: settings.reportCron, tz: settings.timeZone },
    { name: 'monthly-report', data: { reason: 'schedule' }, opts: SCHEDULED_JOB },
  );
}
