import { MIN_RESPONDENTS } from './kpi-codes.js';
import type { Dimension, KpiRecord } from './kpi-record.js';
import type { KpiSettings } from './kpi-settings.js';
import { monthsBetween, type Month } from './month-period.js';
import { summariseCell, type KpiCell } from './summarise-cell.js';

/** A cell of a breakdown: the value it is about and its figures. */
export type KpiRow = Dimension & KpiCell;

/** Everything `GET /kpi` answers, the page shows and a MeasureReport holds, for a range of months. */
export interface KpiSummary {
  from: Month;
  to: Month;
  generatedAt: string;
  settings: { sdmThreshold: number; targetPercent: number; minRespondents: number; timeZone: string };
  overall: KpiCell;
  /** Every month of the range, also those without invitations (the chart needs them). */
  months: (KpiCell & { month: Month })[];
  byKeyMoment: KpiRow[];
  byDepartment: KpiRow[];
  byDecisionAid: KpiRow[];
}

/** Computes the summary of a range of months from the invitations read from the record. Pure. */
export function computeKpis(
  records: readonly KpiRecord[],
  range: { from: Month; to: Month; generatedAt: string },
  settings: Pick<KpiSettings, 'sdmThreshold' | 'targetPercent' | 'timeZone'>,
): KpiSummary {
  const inRange = records.filter((r) => r.month >= range.from && r.month <= range.to);
  const cell = (subset: readonly KpiRecord[]) => summariseCell(subset, settings);
  return {
    ...range,
    settings: {
      sdmThreshold: settings.sdmThreshold,
      targetPercent: settings.targetPercent,
      minRespondents: MIN_RESPONDENTS,
      timeZone: settings.timeZone,
    },
    overall: cell(inRange),
    months: monthsBetween(range.from, range.to).map((month) => ({
      month,
      ...cell(inRange.filter((r) => r.month === month)),
    })),
    byKeyMoment: breakdown(inRange, (r) => r.keyMoment, cell),
    byDepartment: breakdown(inRange, (r) => r.department, cell),
    byDecisionAid: breakdown(inRange, (r) => r.decisionAid, cell),
  };
}

/** One row per value of a dimension that occurs, ordered by label. */
function breakdown(
  records: readonly KpiRecord[],
  by: (r: KpiRecord) => Dimension,
  cell: (subset: readonly KpiRecord[]) => KpiCell,
): KpiRow[] {
  const groups = new Map<string, { dimension: Dimension; records: KpiRecord[] }>();
  for (const record of records) {
    const dimension = by(record);
    const group = groups.get(dimension.key) ?? { dimension, records: [] };
    group.records.push(record);
    groups.set(dimension.key, group);
  }
  return [...groups.values()]
    .sort((a, b) => a.dimension.label.localeCompare(b.dimension.label, 'nl'))
    .map(({ dimension, records: subset }) => ({ key: dimension.key, label: dimension.label, ...cell(subset) }));
}
