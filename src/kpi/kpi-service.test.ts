import type { MeasureReport } from '@medplum/fhirtypes';
import { storeKpiFixture, type FixtureInvitation } from '../../test/fixtures/kpi/kpi-fixtures.js';
import { createFakeEpdClient, type FakeEpdClient } from '../epd/fake-epd-client.js';
import { createLogger } from '../shared/logger.js';
import { loadFhirDefinitions } from '../shared/fhir-definitions.js';
import { createKpiJob } from './kpi-job.js';
import { createKpiService } from './kpi-service.js';
import { DEFAULT_KPI_SETTINGS } from './kpi-settings.js';

const PLAN: FixtureInvitation[] = Array.from({ length: 6 }, (_, i) => ({
  id: `s${i}`,
  authoredOn: `2026-10-0${i + 1}T10:00:00Z`,
  keyMoment: 'evaluation' as const,
  trigger: `s${i}`,
  department: 'longziekten' as const,
  aid: 'astma' as const,
  answeredAfterDays: 2,
  sdmQ9: i < 5 ? 88.9 : 60,
}));

// The FHIR definitions take seconds to load on a busy machine: once, before the tests' own clocks start.
beforeAll(() => loadFhirDefinitions(), 60_000);

describe('the KPI service', () => {
  let epd: FakeEpdClient;
  let clock = new Date('2026-11-15T10:00:00Z');
  beforeEach(async () => {
    epd = createFakeEpdClient();
    await storeKpiFixture(epd.repo, PLAN);
  });
  const service = (cacheSeconds = 300) =>
    createKpiService({ epd, settings: { ...DEFAULT_KPI_SETTINGS, cacheSeconds }, now: () => clock });
  const searches = () => epd.calls.filter((c) => c.method === 'search').length;

  it('defaults to the last twelve months and reports on the month before', () => {
    clock = new Date('2026-11-15T10:00:00Z');
    expect(service().defaultRange()).toEqual({ from: '2025-12', to: '2026-11' });
    expect(service().previousMonth()).toBe('2026-10');
  });

  it('serves figures from memory within KPI_CACHE_SECONDS, and searches again when asked fresh', async () => {
    const kpi = service();
    const first = await kpi.summary({ from: '2026-10', to: '2026-10' });
    const used = searches();
    expect(await kpi.summary({ from: '2026-10', to: '2026-10' })).toBe(first);
    expect(searches()).toBe(used);
    await kpi.summary({ from: '2026-10', to: '2026-10' }, { fresh: true });
    expect(searches()).toBe(2 * used);
    expect(first.overall.decidedTogether).toEqual({
      suppressed: false,
      value: 83.3,
      respondents: 6,
      numerator: 5,
      patients: 6,
    });
  });

  it('does not cache with KPI_CACHE_SECONDS=0, nor a failed run', async () => {
    const uncached = service(0);
    await uncached.summary({ from: '2026-10', to: '2026-10' });
    const used = searches();
    await uncached.summary({ from: '2026-10', to: '2026-10' });
    expect(searches()).toBe(2 * used);
    const cached = service();
    epd.failNext(1);
    await expect(cached.summary({ from: '2026-09', to: '2026-09' })).rejects.toThrow('EPD unavailable');
    await expect(cached.summary({ from: '2026-09', to: '2026-09' })).resolves.toMatchObject({ from: '2026-09' });
  });

  it('the kpi job writes the previous month’s MeasureReport, once however often it runs', async () => {
    clock = new Date('2026-11-01T02:00:00Z');
    const job = createKpiJob({ kpi: service() });
    const ctx = { log: createLogger({ level: 'silent' }), jobId: 'kpi-1', attempt: 1, maxAttempts: 1 };
    const first = await job({ reason: 'schedule' }, ctx);
    const again = await job({ reason: 'request', month: '2026-10' }, ctx);
    expect([first.month, first.outcome, again.outcome]).toEqual(['2026-10', 'created', 'unchanged']);
    const reports = await epd.search<MeasureReport>('MeasureReport', {});
    expect(reports.map((r) => [r.status, r.period])).toEqual([
      ['complete', { start: '2026-10-01', end: '2026-10-31' }],
    ]);
    await expect(job({ reason: 'request', month: '2026-13' }, ctx)).rejects.toThrow('not a month');
  });

  it('marks the current month’s report as pending', async () => {
    clock = new Date('2026-10-20T10:00:00Z');
    expect((await service().measureReport('2026-10')).report.status).toBe('pending');
  });
});
