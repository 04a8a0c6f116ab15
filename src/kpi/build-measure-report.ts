import type {
  CodeableConcept,
  MeasureReport,
  MeasureReportGroup,
  MeasureReportGroupPopulation,
  Narrative,
  Quantity,
} from '@medplum/fhirtypes';
import { KEY_MOMENT_SYSTEM } from '../decision-aids/invitation-task-codes.js';
import type { KpiRow, KpiSummary } from './compute-kpis.js';
import {
  DATA_ABSENT_REASON,
  DEPARTMENT_REFERENCE_SYSTEM,
  KPI_GROUP,
  KPI_GROUP_SYSTEM,
  KPI_SETTING_EXTENSION,
  KPI_STRATIFIER,
  KPI_STRATIFIER_SYSTEM,
  MEASURE_REPORT_ID_SYSTEM,
  MEASURE_URL,
  MEASURE_VERSION,
  POPULATION_SYSTEM,
  URI_SYSTEM,
} from './kpi-codes.js';
import { xhtmlNarrative } from '../shared/xhtml-narrative.js';
import { formatFigure, formatPercent } from './format-figure.js';
import { decidedTogetherRule } from './render-kpi-page.js';
import { addMonths, type Month } from './month-period.js';
import { hasValue, type Figure, type KpiCell } from './summarise-cell.js';

/** What one group of the report holds for one cell: its population counts and its score. */
interface GroupPart {
  populations: MeasureReportGroupPopulation[];
  measureScore?: Quantity;
}

/** Withheld for privacy: a suppressed count or score carries this instead of a number. */
const MASKED = [{ url: DATA_ABSENT_REASON, valueCode: 'masked' }];
const UCUM = 'http://unitsofmeasure.org';
const PERCENT: Quantity = { unit: '%', system: UCUM, code: '%' };
const DAYS: Quantity = { unit: 'dagen', system: UCUM, code: 'd' };
const SCORE: Quantity = { unit: 'score', system: UCUM, code: '{score}' };

/** The Measure's groups and how each reads a cell (the same for the whole period and for each stratum). */
const GROUPS: readonly { group: { code: string; display: string }; part: (cell: KpiCell) => GroupPart }[] = [
  {
    group: KPI_GROUP.keyMoments,
    part: (c) => ({ populations: [population('initial-population', c.keyMomentEvents)] }),
  },
  {
    group: KPI_GROUP.completion,
    part: (c) => ({
      populations: [
        population('initial-population', c.invitationsSent + c.invitationsFailed),
        population('denominator', c.invitationsSent + c.invitationsFailed),
        population('denominator-exclusion', c.invitationsFailed),
        population('numerator', c.completed),
      ],
      measureScore: score(c.completionRate, PERCENT),
    }),
  },
  { group: KPI_GROUP.timeToCompletion, part: (c) => observed(c.medianDaysToCompletion, DAYS) },
  { group: KPI_GROUP.sdmQ9Mean, part: (c) => observed(c.sdmQ9Mean, SCORE) },
  {
    group: KPI_GROUP.decidedTogether,
    part: (c) => ({
      populations: [
        population('denominator', respondents(c.decidedTogether)),
        population('numerator', numerator(c.decidedTogether)),
      ],
      measureScore: score(c.decidedTogether, PERCENT),
    }),
  },
];

/**
 * The summary MeasureReport of one month, following the shipped Measure: one group per figure,
 * each stratified by key moment, department and decision aid. Suppressed cells carry no count and
 * no score, only data-absent-reason `masked`. Pure; the caller validates and writes it.
 */
export function buildMeasureReport(summary: KpiSummary, status: MeasureReport['status']): MeasureReport {
  const month = summary.from;
  return {
    resourceType: 'MeasureReport',
    text: narrative(summary),
    identifier: [measureReportIdentifier(month)],
    status,
    type: 'summary',
    measure: `${MEASURE_URL}|${MEASURE_VERSION}`,
    date: summary.generatedAt,
    period: { start: `${month}-01`, end: lastDayOf(month) },
    improvementNotation: {
      coding: [
        {
          system: 'http://terminology.hl7.org/CodeSystem/measure-improvement-notation',
          code: 'increase',
          display: 'Increased score indicates improvement',
        },
      ],
    },
    group: GROUPS.map(({ group, part }) => reportGroup(summary, group, part)),
  };
}

/** The identifier of a month's MeasureReport: what makes writing it again an update, not a second report. */
export function measureReportIdentifier(month: Month): { system: string; value: string } {
  return { system: MEASURE_REPORT_ID_SYSTEM, value: `sdm-kpi-${month}` };
}

function reportGroup(
  summary: KpiSummary,
  group: { code: string; display: string },
  part: (cell: KpiCell) => GroupPart,
): MeasureReportGroup {
  // FHIR JSON has no empty arrays: a month without invitations has stratifiers without strata.
  const strata = (rows: readonly KpiRow[], value: (row: KpiRow) => CodeableConcept) =>
    rows.length ? { stratum: rows.map((row) => ({ value: value(row), ...stratumPart(part(row)) })) } : {};
  return {
    ...(group === KPI_GROUP.decidedTogether ? { extension: settingExtensions(summary) } : {}),
    code: { coding: [{ system: KPI_GROUP_SYSTEM, code: group.code, display: group.display }] },
    ...stratumPart(part(summary.overall)),
    stratifier: [
      {
        code: [stratifierCode(KPI_STRATIFIER.keyMoment)],
        ...strata(summary.byKeyMoment, (r) => concept(KEY_MOMENT_SYSTEM, r)),
      },
      {
        code: [stratifierCode(KPI_STRATIFIER.department)],
        ...strata(summary.byDepartment, (r) => concept(DEPARTMENT_REFERENCE_SYSTEM, r)),
      },
      {
        code: [stratifierCode(KPI_STRATIFIER.decisionAid)],
        ...strata(summary.byDecisionAid, (r) => concept(URI_SYSTEM, r)),
      },
    ],
  };
}

/** The population and score elements of a group or a stratum (both have the same shape). */
function stratumPart(part: GroupPart) {
  return { population: part.populations, ...(part.measureScore ? { measureScore: part.measureScore } : {}) };
}

function population(code: string, count: number | Figure): MeasureReportGroupPopulation {
  const coded = { coding: [{ system: POPULATION_SYSTEM, code }] };
  if (typeof count === 'number') return { code: coded, count };
  return hasValue(count) ? { code: coded, count: count.value } : { extension: MASKED, code: coded };
}

function observed(figure: Figure, unit: Quantity): GroupPart {
  const count = respondents(figure);
  return {
    populations: [population('measure-population', count), population('measure-observation', count)],
    measureScore: score(figure, unit),
  };
}

function score(figure: Figure, unit: Quantity): Quantity {
  // A band (0% or 100% from few respondents) is masked as a suppressed one: a score is one number.
  return hasValue(figure) ? { value: figure.value, ...unit } : { extension: MASKED };
}

function respondents(figure: Figure): Figure {
  return figure.suppressed ? figure : { suppressed: false, value: figure.respondents, respondents: figure.respondents };
}

function numerator(figure: Figure): Figure {
  return hasValue(figure)
    ? { suppressed: false, value: figure.numerator ?? 0, respondents: figure.respondents }
    : { suppressed: true };
}

function settingExtensions(summary: KpiSummary) {
  return [
    {
      url: KPI_SETTING_EXTENSION,
      valueCoding: {
        system: KPI_GROUP_SYSTEM,
        code: 'sdm-q9-threshold',
        display: `SDM-Q9 drempel ${summary.settings.sdmThreshold}`,
      },
    },
    {
      url: KPI_SETTING_EXTENSION,
      valueCoding: {
        system: KPI_GROUP_SYSTEM,
        code: 'target-percent',
        display: `doel ${summary.settings.targetPercent}%`,
      },
    },
    {
      url: KPI_SETTING_EXTENSION,
      valueCoding: {
        system: KPI_GROUP_SYSTEM,
        code: `decided-together-${summary.settings.decidedTogether}`,
        display: decidedTogetherRule(summary.settings),
      },
    },
  ];
}

function stratifierCode(stratifier: { code: string; display: string }): CodeableConcept {
  return {
    coding: [{ system: KPI_STRATIFIER_SYSTEM, code: stratifier.code, display: stratifier.display }],
    text: stratifier.display,
  };
}

function concept(system: string, row: KpiRow): CodeableConcept {
  if (row.key === 'unknown') return { text: row.label };
  return { coding: [{ system, code: row.key, display: row.label }], text: row.label };
}

function lastDayOf(month: Month): string {
  const next = new Date(`${addMonths(month, 1)}-01T00:00:00Z`);
  return new Date(next.getTime() - 86_400_000).toISOString().slice(0, 10);
}

function narrative(summary: KpiSummary): Narrative {
  const c = summary.overall;
  const lines = [
    `Gedeelde besluitvorming, ${summary.from}: ${c.keyMomentEvents} sleutelmomenten, ${c.invitationsSent} uitnodigingen verstuurd, ${c.invitationsFailed} mislukt, ${c.invitationsPending} nog niet bezorgd.`,
    `Afgerond: ${formatFigure(c.completed)}; respons ${formatPercent(c.completionRate)}; SDM-Q9 gemiddeld ${formatFigure(c.sdmQ9Mean)}; samen beslist ${formatPercent(c.decidedTogether)} (doel ${summary.settings.targetPercent}%).`,
  ];
  return xhtmlNarrative(lines);
}
