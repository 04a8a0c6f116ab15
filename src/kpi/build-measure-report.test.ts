import { readFileSync } from 'node:fs';
import { validateResource } from '@medplum/core';
import type { Measure, MeasureReport, MeasureReportGroup } from '@medplum/fhirtypes';
import { loadFhirDefinitions } from '../shared/fhir-definitions.js';
import { buildMeasureReport } from './build-measure-report.js';
import { computeKpis } from './compute-kpis.js';
import { DATA_ABSENT_REASON, MEASURE_URL, MEASURE_VERSION } from './kpi-codes.js';
import type { KpiRecord } from './kpi-record.js';

const SETTINGS = {
  decidedTogether: 'sdm-q9' as const,
  sdmThreshold: 80,
  targetPercent: 75,
  timeZone: 'Europe/Amsterdam',
};
const MEASURE = JSON.parse(
  readFileSync(new URL('../../mappings/measures/sdm-measure.json', import.meta.url), 'utf8'),
) as Measure;

let n = 0;
function rec(extra: Partial<KpiRecord>): KpiRecord {
  n += 1;
  return {
    task: `Task/t${n}`,
    patient: `Patient/p${n}`,
    respondent: 'patient',
    month: '2026-10',
    keyMoment: { key: 'evaluation', label: 'evaluatie' },
    department: { key: 'Organization/klz', label: 'Kinderlongziekten' },
    decisionAid: { key: 'https://aid.example.org/fhir/ActivityDefinition/a|1', label: 'Keuzehulp A' },
    trigger: `Encounter/e${n}`,
    state: 'sent',
    completed: false,
    ...extra,
  };
}
const answered = (score: number, extra: Partial<KpiRecord> = {}) =>
  rec({ completed: true, daysToCompletion: 2, sdmQ9: score, ...extra });
const other = { department: { key: 'Organization/kg', label: 'Algemene kindergeneeskunde' } };

function reportOf(records: KpiRecord[], status: MeasureReport['status'] = 'complete'): MeasureReport {
  return buildMeasureReport(
    computeKpis(records, { from: '2026-10', to: '2026-10', generatedAt: '2026-11-01T03:00:00.000Z' }, SETTINGS),
    status,
  );
}
const group = (report: MeasureReport, code: string) => report.group!.find((g) => g.code?.coding?.[0]?.code === code)!;
const count = (g: Pick<MeasureReportGroup, 'population'>, code: string) =>
  g.population!.find((p) => p.code?.coding?.[0]?.code === code);

// The FHIR definitions take seconds to load on a busy machine: once, before the tests' own clocks start.
beforeAll(() => loadFhirDefinitions(), 60_000);

describe('the shipped Measure', () => {
  it('is valid R4 with its canonical URL and version', () => {
    expect(() => validateResource(MEASURE)).not.toThrow();
    expect([MEASURE.url, MEASURE.version, MEASURE.status]).toEqual([MEASURE_URL, MEASURE_VERSION, 'active']);
  });

  it('has the groups and stratifiers the MeasureReport fills, in the same order', () => {
    const report = reportOf([answered(90)]);
    expect(MEASURE.group!.map((g) => g.code!.coding![0]!.code)).toEqual(
      report.group!.map((g) => g.code!.coding![0]!.code),
    );
    MEASURE.group!.forEach((g, i) => {
      expect(g.population!.map((p) => p.code!.coding![0]!.code)).toEqual(
        report.group![i]!.population!.map((p) => p.code!.coding![0]!.code),
      );
      expect(g.stratifier!.map((s) => s.code!.coding![0]!.code)).toEqual(['key-moment', 'department', 'decision-aid']);
      expect(report.group![i]!.stratifier!.map((s) => s.code![0]!.coding![0]!.code)).toEqual([
        'key-moment',
        'department',
        'decision-aid',
      ]);
    });
  });
});

describe('buildMeasureReport', () => {
  const records = [
    ...[90, 85, 80, 70, 95, 60].map((s) => answered(s)),
    rec({ state: 'failed' }),
    rec({}),
    answered(88, other),
    rec({ ...other, keyMoment: { key: 'medication-change', label: 'medicatiewijziging' } }),
  ];
  const report = reportOf(records);

  it('passes validateResource, as a summary for one month following the Measure', () => {
    expect(() => validateResource(report)).not.toThrow();
    expect(report).toMatchObject({
      resourceType: 'MeasureReport',
      status: 'complete',
      type: 'summary',
      measure: `${MEASURE_URL}|${MEASURE_VERSION}`,
      period: { start: '2026-10-01', end: '2026-10-31' },
      identifier: [{ system: 'https://sdm-bridge.org/fhir/NamingSystem/measure-report-id', value: 'sdm-kpi-2026-10' }],
    });
  });

  it('carries the figures of the whole month', () => {
    const completion = group(report, 'invitation-completion');
    expect(
      ['initial-population', 'denominator', 'denominator-exclusion', 'numerator'].map(
        (c) => count(completion, c)?.count,
      ),
    ).toEqual([10, 10, 1, 7]);
    expect(completion.measureScore).toEqual({ value: 77.8, unit: '%', system: 'http://unitsofmeasure.org', code: '%' });
    const together = group(report, 'decided-together');
    expect([
      count(together, 'denominator')?.count,
      count(together, 'numerator')?.count,
      together.measureScore?.value,
    ]).toEqual([7, 5, 71.4]);
    expect(group(report, 'sdm-q9-mean').measureScore).toMatchObject({ value: 81.1, code: '{score}' });
    expect(group(report, 'time-to-completion').measureScore).toMatchObject({ value: 2, code: 'd' });
    expect(count(group(report, 'key-moment-events'), 'initial-population')?.count).toBe(10);
  });

  it('masks suppressed strata: no count, no score, data-absent-reason masked', () => {
    const byDepartment = group(report, 'decided-together').stratifier![1]!;
    const small = byDepartment.stratum!.find((s) => s.value?.text === 'Algemene kindergeneeskunde')!;
    expect(small.value).toEqual({
      coding: [
        {
          system: 'https://sdm-bridge.org/fhir/CodeSystem/department-reference',
          code: 'Organization/kg',
          display: 'Algemene kindergeneeskunde',
        },
      ],
      text: 'Algemene kindergeneeskunde',
    });
    expect(small.measureScore).toEqual({ extension: [{ url: DATA_ABSENT_REASON, valueCode: 'masked' }] });
    expect(small.population!.every((p) => p.count === undefined && p.extension?.[0]?.valueCode === 'masked')).toBe(
      true,
    );
    // Complementary suppression: shown, the larger department would give the small one away (total minus it).
    const large = byDepartment.stratum!.find((s) => s.value?.text === 'Kinderlongziekten')!;
    expect(large.measureScore).toEqual({ extension: [{ url: DATA_ABSENT_REASON, valueCode: 'masked' }] });
  });

  it('records the threshold and target it was computed with', () => {
    expect(group(report, 'decided-together').extension!.map((e) => e.valueCoding?.code)).toEqual([
      'sdm-q9-threshold',
      'target-percent',
    ]);
  });

  it('is valid for a month without any invitation, everything suppressed or zero', () => {
    const empty = reportOf([], 'pending');
    expect(() => validateResource(empty)).not.toThrow();
    expect(group(empty, 'decided-together').measureScore).toEqual({
      extension: [{ url: DATA_ABSENT_REASON, valueCode: 'masked' }],
    });
    expect(group(empty, 'key-moment-events').stratifier![0]!.stratum).toBeUndefined();
  });
});
