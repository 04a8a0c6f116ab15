import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTerminologyServer, type TestTerminologyServer } from '../../test/helpers/terminology-server.js';
import { checkMappings } from './mappings-check.js';

const AID = [
  'decisionAids:',
  '  - id: astma-kind',
  '    title: Keuzehulp astma',
  '    activityDefinition: https://keuzehulp.example.org/fhir/ActivityDefinition/astma-kind|2.1',
  '    delivery: { type: signed-link, baseUrl: "http://127.0.0.1:4010/start", secretEnv: LINK_SECRET }',
].join('\n');

const TRIGGERS = [
  'triggers:',
  '  - id: medicatie',
  '    keyMoment: medication-change',
  '    resourceType: MedicationRequest',
  '    decisionAid: astma-kind',
  '    recipients: [patient, guardian]',
  '  - id: evaluatie',
  '    keyMoment: evaluation',
  '    resourceType: Encounter',
  '    decisionAid: astma-kind',
  '    recipients: [guardian]',
].join('\n');

/** The settings every start needs, so only the mapping files are at stake here. */
const BASE = {
  EPD_BASE_URL: 'http://127.0.0.1:8103/fhir',
  INTAKE_SOURCES: 'hix',
  INTAKE_HIX_TOKEN: 'a-token-of-enough-length',
  PSEUDONYM_SECRET: 'a-secret-of-enough-length',
};
const ENV = { ...BASE, LINK_SECRET: 'k'.repeat(32) };

describe('checkMappings', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mappings-check-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('summarises a good directory in one line', async () => {
    await writeFile(join(dir, 'aids.yaml'), AID);
    await writeFile(join(dir, 'triggers.yml'), TRIGGERS);
    expect(await checkMappings(dir, ENV)).toEqual({
      ok: true,
      lines: [`${dir}: 2 files, 1 decision aid, 2 triggers (medication-change 1, treatment-choice 0, evaluation 1)`],
    });
  });

  it('lists every problem as file:line field: message', async () => {
    await writeFile(join(dir, 'aids.yaml'), AID);
    await writeFile(
      join(dir, 'broken.yaml'),
      TRIGGERS.replace('evaluation', 'follow-up').replace('[patient, guardian]', '[patient, guardian]\n    delay: 2h'),
    );
    const result = await checkMappings(dir, BASE);
    expect(result.ok).toBe(false);
    expect(result.lines).toEqual([
      `${join(dir, 'aids.yaml')}:5 decisionAids[0].delivery.secretEnv: environment variable LINK_SECRET is not set (it holds a secret, so it has no default)`,
      `${join(dir, 'broken.yaml')}:7 triggers[0].delay: "2h" is not an ISO 8601 duration (e.g. PT10S, PT2H, P30D)`,
      `${join(dir, 'broken.yaml')}:9 triggers[1].keyMoment: Invalid option: expected one of "medication-change"|"treatment-choice"|"evaluation"`,
    ]);
  });

  it('reports an empty directory', async () => {
    expect(await checkMappings(dir, BASE)).toEqual({
      ok: false,
      lines: [`${dir}: no mapping files (*.yaml, *.yml) in this directory`],
    });
  });

  it('exits 1 with the problems on stderr, and 0 with the summary on stdout, when run as a command', async () => {
    const cli = fileURLToPath(new URL('./mappings-check.ts', import.meta.url));
    const run = (env: Record<string, string>) =>
      spawnSync(process.execPath, ['--import', 'tsx', cli, dir], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', ...env },
      });
    await writeFile(join(dir, 'aids.yaml'), AID);
    const failed = run(BASE);
    expect([failed.status, failed.stdout, failed.stderr]).toEqual([
      1,
      '',
      expect.stringContaining('aids.yaml:5 decisionAids[0].delivery.secretEnv:'),
    ]);
    const passed = run(ENV);
    expect([passed.status, passed.stdout]).toEqual([
      0,
      `${dir}: 1 file, 1 decision aid, 0 triggers (medication-change 0, treatment-choice 0, evaluation 0)\n`,
    ]);
  }, 30_000);
});

describe('checkMappings: value sets by canonical URL', () => {
  const VS = 'https://terminology.example.org/fhir/ValueSet/astma-medicatie';
  const WITH_URL = TRIGGERS.replace(
    '    recipients: [patient, guardian]',
    `    recipients: [patient, guardian]\n    codes:\n      - valueSet: ${VS}|2026-03`,
  );
  let dir: string;
  let server: TestTerminologyServer;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mappings-check-'));
    await writeFile(join(dir, 'aids.yaml'), AID);
    await writeFile(join(dir, 'triggers.yml'), WITH_URL);
    server = await startTerminologyServer();
    server.setValueSet(
      VS,
      [
        { system: 'http://www.whocc.no/atc', code: 'R03BA05' },
        { system: 'http://www.whocc.no/atc', code: 'R03AK06' },
      ],
      '2026-03',
    );
  });
  afterEach(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('with a server, expands each one and says how many codes it holds, writing no cache', async () => {
    const cacheDir = join(dir, 'cache');
    const env = { ...ENV, TERMINOLOGY_SERVER_URL: server.baseUrl, TERMINOLOGY_CACHE_DIR: cacheDir };
    expect(await checkMappings(dir, env)).toEqual({
      ok: true,
      lines: [
        `${dir}: 2 files, 1 decision aid, 2 triggers (medication-change 1, treatment-choice 0, evaluation 1)`,
        `value set ${VS}|2026-03: 2 codes from the terminology server`,
      ],
    });
    await expect(readdir(cacheDir)).rejects.toThrow(); // the check proves the server; it keeps nothing
  });

  it('without a server, names file:line and the variable to set', async () => {
    expect(await checkMappings(dir, ENV)).toEqual({
      ok: false,
      lines: [
        `${join(dir, 'triggers.yml')}:8 triggers[0].codes[0].valueSet: value set ${VS}|2026-03 is not a file under valuesets/: set TERMINOLOGY_SERVER_URL to expand it through a terminology server, or add a ValueSet file with this url`,
      ],
    });
  });

  it('with the server down, names the value set and does not fall back on an old expansion', async () => {
    server.mode = '500';
    const result = await checkMappings(dir, { ...ENV, TERMINOLOGY_SERVER_URL: server.baseUrl });
    expect(result.ok).toBe(false);
    expect(result.lines).toEqual([expect.stringContaining(`value set ${VS}|2026-03: terminology server answered 500`)]);
  });
});
