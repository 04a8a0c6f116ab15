import type { MeasureReport } from '@medplum/fhirtypes';
import { createFakeEpdClient } from '../epd/fake-epd-client.js';
import { EpdError } from '../epd/epd-error.js';
import { AppError } from '../shared/errors.js';
import { loadFhirDefinitions } from '../shared/fhir-definitions.js';
import { buildMeasureReport } from './build-measure-report.js';
import { computeKpis } from './compute-kpis.js';
import type { KpiRecord } from './kpi-record.js';
import { writeMeasureReport } from './write-measure-report.js';

const SETTINGS = {
  decidedTogether: 'sdm-q9' as const,
  sdmThreshold: 80,
  targetPercent: 75,
  timeZone: 'Europe/Amsterdam',
};

function reportWith(invitations: number, generatedAt: string): MeasureReport {
  const records: KpiRecord[] = Array.from({ length: invitations }, (_, i) => ({
    task: `Task/t${i}`,
    patient: `Patient/p${i}`,
    respondent: 'patient',
    month: '2026-10',
    keyMoment: { key: 'evaluation', label: 'evaluatie' },
    department: { key: 'Organization/klz', label: 'Kinderlongziekten' },
    decisionAid: { key: 'https://aid|1', label: 'A' },
    trigger: `Encounter/e${i}`,
    state: 'sent',
    completed: true,
    daysToCompletion: 1,
    sdmQ9: 90,
  }));
  return buildMeasureReport(
    computeKpis(records, { from: '2026-10', to: '2026-10', generatedAt }, SETTINGS),
    'complete',
  );
}

// The FHIR definitions take seconds to load on a busy machine: once, before the tests' own clocks start.
beforeAll(() => loadFhirDefinitions(), 60_000);

describe('writeMeasureReport: one report per month, however often it runs', () => {
  it.each([
    ['the same figures again (another generation date): no new version', 6, 'unchanged', 0],
    ['new figures: updated in place', 7, 'updated', 1],
  ])('creates the first time; then %s', async (_name, later, outcome, updates) => {
    const epd = createFakeEpdClient();
    const first = await writeMeasureReport(epd, reportWith(6, '2026-11-01T03:00:00.000Z'));
    expect(first.outcome).toBe('created');
    const second = await writeMeasureReport(epd, reportWith(later, '2026-11-02T03:00:00.000Z'));
    expect(second).toEqual({ reference: first.reference, outcome });
    expect(epd.calls.filter((c) => c.method === 'update')).toHaveLength(updates);
    const stored = await epd.search<MeasureReport>('MeasureReport', {
      identifier: 'https://sdm-bridge.org/fhir/NamingSystem/measure-report-id|sdm-kpi-2026-10',
    });
    expect(stored).toHaveLength(1);
    expect(stored[0]!.group![1]!.population![0]!.count).toBe(later);
  });

  it('retries on a concurrent change (412) instead of overwriting', async () => {
    const epd = createFakeEpdClient();
    await writeMeasureReport(epd, reportWith(6, '2026-11-01T03:00:00.000Z'));
    epd.update = async () => {
      throw new EpdError('precondition failed', { status: 412, retry: false });
    };
    const error = await writeMeasureReport(epd, reportWith(7, '2026-11-01T03:00:00.000Z')).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).retry).toBe(true);
  });
});
