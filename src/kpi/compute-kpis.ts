import { MIN_RESPONDENTS } from './kpi-codes.js';
import type { Dimension, KpiRecord } from './kpi-record.js';
import type { KpiSettings } from './kpi-settings.js';
import { monthsBetween, type Month } from './month-period.js';
import { suppressComplements } from './suppress-complements.js';
import { summariseCell, type KpiCell } from './summarise-cell.js';

/** A cell of a breakdown: the value it is about and its figures. */
export type KpiRow = Dimension & KpiCell;

/** Everything `GET /kpi` answers, the page shows and a MeasureReport holds, for a range of months. */
export interface KpiSummary {
  from: Month;
  to: Month;
  generatedAt: string;
  settings: {
    decidedTogether: KpiSettings['decidedTogether'];
    sdmThreshold: number;
    targetPercent: number;
    minRespondents: number;
    timeZone: string;
  };
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
  settings: Pick<KpiSettings, 'decidedTogether' | 'sdmThreshold' | 'targetPercent' | 'timeZone'>,
): KpiSummary {
  const inRange = records.filter((r) => r.month >= range.from && r.month <= range.to);
  const cell = (subset: readonly KpiRecord[]) => summariseCell(subset, settings);
  const overall = cell(inRange);
  // Why: a row hidden for small n could otherwise be derived from the total minus the rows shown.
  const rows = <T extends KpiCell>(list: T[]) => suppressComplements(overall, list, settings.targetPercent);
  return {
    ...range,
    settings: {
      decidedTogether: settings.decidedTogether,
      sdmThreshold: settings.sdmThreshold,
      targetPercent: settings.targetPercent,
      minRespondents: MIN_RESPONDENTS,
      timeZone: settings.timeZone,
    },
    overall,
    months: rows(
      monthsBetween(range.from, range.to).map((month) => ({
        month,
        ...cell(inRange.filter((r) => r.month === month)),
      })),
    ),
    byKeyMoment: rows(breakdown(inRange, (r) => r.keyMoment, cell)),
    byDepartment: rows(breakdown(inRange, (r) => r.department, cell)),
    byDecisionAid: rows(breakdown(inRange, (r) => r.decisionAid, cell)),
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
