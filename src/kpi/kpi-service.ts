import type { MeasureReport } from '@medplum/fhirtypes';
import type { EpdClient } from '../epd/epd-client.js';
import type { CompiledMappings } from '../rules/compile-mappings.js';
import { buildMeasureReport } from './build-measure-report.js';
import { computeKpis, type KpiSummary } from './compute-kpis.js';
import type { KpiSettings } from './kpi-settings.js';
import { addMonths, monthOf, type Month } from './month-period.js';
import { readKpiRecords } from './read-kpi-records.js';
import { writeMeasureReport, type WrittenMeasureReport } from './write-measure-report.js';

/** A range of months, both ends included. */
export interface MonthRange {
  from: Month;
  to: Month;
}

/** The KPIs of the record: figures for a range of months, and a month's MeasureReport. */
export interface KpiService {
  readonly settings: Readonly<KpiSettings>;
  /** The figures of a range; served from memory for KPI_CACHE_SECONDS unless `fresh`. */
  summary(range: MonthRange, options?: { fresh?: boolean }): Promise<KpiSummary>;
  /** The MeasureReport of one month, computed fresh; with `write` also stored in the EPD (idempotent). */
  measureReport(
    month: Month,
    options?: { write?: boolean },
  ): Promise<{ report: MeasureReport; written?: WrittenMeasureReport }>;
  /** The page's default: the last twelve months, this one included. */
  defaultRange(): MonthRange;
  /** The month before the current one: what the monthly schedule reports on. */
  previousMonth(): Month;
}

/** What the KPIs need: the EPD to search, the settings, a clock, and the aids' names. */
export interface KpiServiceDeps {
  epd: EpdClient;
  settings: Readonly<KpiSettings>;
  now?: () => Date;
  /** The mapping files: the decision aids' titles label the figures (by Task.instantiatesCanonical). */
  getMappings?: () => CompiledMappings;
}

/** Twelve months: a year of trend on the page, and the span insurers look back over. */
const DEFAULT_MONTHS = 12;

/**
 * The KPIs computed from the record on demand. Why a cache: the page and `/kpi` may be reloaded
 * by many people, and each computation searches the EPD; the figures move with answers that take
 * days, so minutes-old figures are as true. Concurrent requests for the same range share one run.
 */
export function createKpiService(deps: KpiServiceDeps): KpiService {
  const now = deps.now ?? (() => new Date());
  const { settings } = deps;
  const cache = new Map<string, { until: number; summary: Promise<KpiSummary> }>();
  const compute = async (range: MonthRange): Promise<KpiSummary> => {
    const aids = [...(deps.getMappings?.().decisionAids.values() ?? [])];
    const aidTitle = (canonical: string) => aids.find((aid) => aid.activityDefinition === canonical)?.title;
    const records = await readKpiRecords(
      { epd: deps.epd, timeZone: settings.timeZone, aidTitle },
      range.from,
      range.to,
    );
    return computeKpis(records, { ...range, generatedAt: now().toISOString() }, settings);
  };
  const currentMonth = () => monthOf(now(), settings.timeZone);
  return {
    settings,
    async summary(range, options = {}) {
      const key = `${range.from}..${range.to}`;
      const cached = cache.get(key);
      if (!options.fresh && cached && cached.until > Date.now()) return cached.summary;
      const summary = compute(range);
      if (settings.cacheSeconds > 0) {
        cache.set(key, { until: Date.now() + settings.cacheSeconds * 1000, summary });
        summary.catch(() => cache.delete(key)); // a failed run (EPD away) is not remembered
      }
      return summary;
    },
    async measureReport(month, options = {}) {
      const summary = await this.summary({ from: month, to: month }, { fresh: true });
      const report = buildMeasureReport(summary, month < currentMonth() ? 'complete' : 'pending');
      if (!options.write) return { report };
      return { report, written: await writeMeasureReport(deps.epd, report) };
    },
    defaultRange() {
      const to = currentMonth();
      return { from: addMonths(to, 1 - DEFAULT_MONTHS), to };
    },
    previousMonth() {
      return addMonths(currentMonth(), -1);
    },
  };
}
