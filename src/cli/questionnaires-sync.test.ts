import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Questionnaire } from '@medplum/fhirtypes';
import { createFakeEpdClient, type FakeEpdClient } from '../epd/fake-epd-client.js';
import { EXIT, type CliIo } from './cli-command.js';
import { runSync } from './questionnaires-sync.js';

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

describe('questionnaires sync', () => {
  let dir: string;
  let epd: FakeEpdClient;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'questionnaires-sync-'));
    await cp('mappings/questionnaires', dir, { recursive: true });
    epd = createFakeEpdClient();
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const sync = async (json = false) => {
    const io = capture();
    const code = await runSync({ positionals: [dir], values: {}, json, io, env: {} }, epd);
    return { code, io };
  };

  it('creates every Questionnaire once, then changes nothing on a second run', async () => {
    const first = await sync();
    expect(first.code).toBe(EXIT.ok);
    expect(first.io.lines.at(-1)).toMatch(/6 questionnaire\(s\): 6 created, 0 updated, 0 unchanged$/);
    const second = await sync();
    expect(second.io.lines.at(-1)).toMatch(/0 created, 0 updated, 6 unchanged$/);
    expect(await epd.search('Questionnaire', {})).toHaveLength(6);
    expect(epd.calls.filter((c) => c.method === 'update')).toHaveLength(0);
  });

  it('updates the one whose text changed, in place, and says which fields changed', async () => {
    await sync();
    const file = join(dir, 'act.json');
    const act = JSON.parse(await readFile(file, 'utf8')) as Questionnaire;
    await writeFile(file, JSON.stringify({ ...act, title: 'ACT (nieuwe titel)' }));
    const { io } = await sync(true);
    const report = JSON.parse(io.lines[0]!) as {
      questionnaires: { canonical: string; action: string; changed?: string[] }[];
    };
    expect(report.questionnaires.filter((q) => q.action !== 'unchanged')).toEqual([
      {
        canonical: 'https://sdm-bridge.org/fhir/Questionnaire/act|1.0.0',
        action: 'updated',
        reference: expect.stringMatching(/^Questionnaire\//),
        changed: ['title'],
      },
    ]);
    const stored = await epd.search<Questionnaire>('Questionnaire', { url: act.url!, version: act.version! });
    expect(stored.map((q) => q.title)).toEqual(['ACT (nieuwe titel)']);
  });

  it('writes a new version beside the old one: url and version together name a Questionnaire', async () => {
    await sync();
    const file = join(dir, 'act.json');
    const act = JSON.parse(await readFile(file, 'utf8')) as Questionnaire;
    await writeFile(file, JSON.stringify({ ...act, version: '1.1.0' }));
    const { io } = await sync();
    expect(io.lines).toContain(
      `created   https://sdm-bridge.org/fhir/Questionnaire/act|1.1.0 → ${io.lines.find((l) => l.includes('act|1.1.0'))!.split('→ ')[1]}`,
    );
    expect(await epd.search('Questionnaire', { url: act.url! })).toHaveLength(2);
  });

  it('fails with the folder named when it does not exist (exit 65), writing nothing', async () => {
    const io = capture();
    const missing = join(dir, 'questionaires');
    const code = await runSync({ positionals: [missing], values: {}, json: false, io, env: {} }, epd);
    expect(code).toBe(EXIT.dataError);
    expect(io.errors).toEqual([
      `questionnaires sync: ${missing} is not a folder; give the folder of the Questionnaire files (*.json) as an argument, or set MAPPINGS_DIR`,
    ]);
    expect(io.lines).toEqual([]);
  });

  it('writes nothing when a file is not a usable Questionnaire (exit 65)', async () => {
    await writeFile(
      join(dir, 'broken.json'),
      JSON.stringify({ resourceType: 'Questionnaire', status: 'active', item: [] }),
    );
    const { code, io } = await sync();
    expect(code).toBe(EXIT.dataError);
    expect(io.errors.join('\n')).toMatch(/broken\.json: url/);
    expect(epd.calls).toHaveLength(0);
  });

  it('reports an EPD that does not answer (exit 69)', async () => {
    epd.failNext(1);
    const { code, io } = await sync();
    expect(code).toBe(EXIT.unavailable);
    expect(io.errors[0]).toMatch(/EPD unavailable/);
  });
});
