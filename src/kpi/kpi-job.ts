import type { JobContext } from '../queue/create-worker.js';
import type { KpiJobData } from '../queue/job-types.js';
import { badInput } from '../shared/errors.js';
import type { KpiService } from './kpi-service.js';
import { isMonth } from './month-period.js';
import type { WrittenMeasureReport } from './write-measure-report.js';

/** What a `kpi` job did: which month it reported on and what happened to the MeasureReport. */
export interface KpiJobResult extends WrittenMeasureReport {
  month: string;
}

/**
 * The `kpi` job: computes a month's figures from the record and writes its MeasureReport to the
 * EPD (idempotent on the month, see write-measure-report.ts). Without a month in the job (the
 * monthly schedule) it reports on the month before the one it runs in.
 */
export function createKpiJob(deps: { kpi: KpiService }) {
  return async function kpiJob(data: KpiJobData, ctx: JobContext): Promise<KpiJobResult> {
    const month = data.month ?? deps.kpi.previousMonth();
    if (!isMonth(month)) throw badInput(422, `kpi job: "${month}" is not a month (YYYY-MM)`);
    const { written } = await deps.kpi.measureReport(month, { write: true });
    ctx.log.info(
      { month, reason: data.reason, measureReport: written!.reference, outcome: written!.outcome },
      'measure report written',
    );
    return { month, ...written! };
  };
}
