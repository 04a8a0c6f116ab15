import type { MeasureReport } from '@medplum/fhirtypes';
import { kpiFixturePlan, storeKpiFixture } from '../../test/fixtures/kpi/kpi-fixtures.js';
import { createFakeEpdClient, type FakeEpdClient } from '../epd/fake-epd-client.js';
import { loadFhirDefinitions } from '../shared/fhir-definitions.js';
import { EXIT, UsageError, type CliIo } from './cli-command.js';
import { runKpi } from './cli-kpi.js';

function capture(): CliIo & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return {
    lines,
    errors,
    out: (l) => lines.push(l),
    err: (l) => errors.push(l),
    progress: () => undefined,
    interactive: false,
  };
}

/** What loadConfig and the shipped mapping files need; the EPD itself is the in-memory one. */
const ENV = {
  EPD_BASE_URL: 'http://127.0.0.1:1/fhir',
  INTAKE_SOURCES: 'hix',
  INTAKE_HIX_TOKEN: 'cli-test-token-0123456789',
  PSEUDONYM_SECRET: 'cli-test-pseudonym-0123456789',
  ASTMA_KEUZEHULP_TOKEN: 'cli-test-aid-token-0123456789',
  POSITIEVE_GEZONDHEID_LINK_SECRET: 'cli-test-link-secret-0123456789abcdef0123',
};

// The FHIR definitions take seconds to load on a busy machine: once, before the tests' own clocks start.
beforeAll(() => loadFhirDefinitions(), 60_000);

describe('sdm-bridge kpi', () => {
  let epd: FakeEpdClient;
  beforeAll(async () => {
    epd = createFakeEpdClient();
    await storeKpiFixture(epd.repo, kpiFixturePlan(['2026-08', '2026-09', '2026-10']));
  });
  const run = async (values: Record<string, string | boolean>, json = false) => {
    const io = capture();
    const code = await runKpi({ positionals: [], values, json, io, env: ENV }, epd);
    return { code, io };
  };

  it('prints the month’s figures with the aids’ names from the mapping files', async () => {
    const { code, io } = await run({ period: '2026-10' });
    expect(code).toBe(EXIT.ok);
    expect(io.lines[0]).toBe(
      'KPI gedeelde besluitvorming 2026-10 (uit het dossier; samen beslist = SDM-Q9-score 80 of hoger, één antwoord per patiënt per sleutelmoment, doel 75%, onderdrukt bij n < 5)',
    );
    expect(io.lines.join('\n')).toContain('Keuzehulp astma voor kinderen en ouders:');
    expect(io.lines.join('\n')).toMatch(
      /sleutelmomenten \d+ → uitnodigingen verstuurd \d+ \(mislukt \d+, nog niet bezorgd \d+\) → resultaat ontvangen \d+/,
    );
  });

  it('--write --json writes the MeasureReport once and says so; a second run leaves it unchanged', async () => {
    const first = await run({ period: '2026-10', write: true }, true);
    const second = await run({ period: '2026-10', write: true }, true);
    const parsed = [first, second].map(
      (r) => JSON.parse(r.io.lines.join('\n')) as { summary: { from: string }; measureReport: { outcome: string } },
    );
    expect(parsed.map((p) => [p.summary.from, p.measureReport.outcome])).toEqual([
      ['2026-10', 'created'],
      ['2026-10', 'unchanged'],
    ]);
    expect(await epd.search<MeasureReport>('MeasureReport', {})).toHaveLength(1);
  });

  it('refuses a period that is not a month', async () => {
    await expect(run({ period: '2026-1' })).rejects.toBeInstanceOf(UsageError);
  });

  it('exits 69 when the EPD does not answer', async () => {
    epd.failNext(1);
    const { code, io } = await run({ period: '2026-09' });
    expect(code).toBe(EXIT.unavailable);
    expect(io.errors.join('\n')).toContain('EPD unavailable');
  });
});
