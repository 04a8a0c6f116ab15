import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Resource } from '@medplum/fhirtypes';
import { startFhirSandbox, type FhirSandbox } from '../sandbox/fhir-server.js';
import type { CliIo } from './cli-command.js';
import { CLI_COMMANDS } from './cli-commands.js';
import { runCli } from './cli-run.js';

const SLOW_MS = 30_000;
const MAPPINGS = fileURLToPath(new URL('../../mappings', import.meta.url));
/** The public zib2020/MP9 examples (Nictiz/Nictiz-R4-zib2020, see test/fixtures/real/README.md). */
const real = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../test/fixtures/real/${name}.json`, import.meta.url), 'utf8')) as Resource & {
    id: string;
  };

async function run(argv: string[], env: Record<string, string>) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const io: CliIo = { out: (l) => stdout.push(l), err: (l) => stderr.push(l), progress: () => {}, interactive: false };
  const code = await runCli(argv, CLI_COMMANDS, io, env);
  return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
}

describe('sdm-bridge coverage and simulate --ref, on a sandbox EPD holding the zib examples', () => {
  let fhir: FhirSandbox;
  let env: Record<string, string>;
  beforeAll(async () => {
    fhir = await startFhirSandbox();
    env = {
      EPD_BASE_URL: fhir.baseUrl,
      INTAKE_SOURCES: 'hix',
      INTAKE_HIX_TOKEN: 'hix-token-0123456789',
      PSEUDONYM_SECRET: 'pseudonym-secret-0123456789',
      ASTMA_KEUZEHULP_TOKEN: 'aid-token-0123456789',
      POSITIEVE_GEZONDHEID_LINK_SECRET: 'x'.repeat(64),
    };
    const birthDate = `${new Date().getUTCFullYear() - 10}-01-01`; // adapted: a child
    const patient = { ...real('nl-core-Patient-01'), birthDate };
    const agreement = { ...real('nl-core-MedicationAgreement-01'), authoredOn: new Date().toISOString() };
    for (const resource of [patient, real('nl-core-MedicationAgreement-01-Medication-01'), agreement])
      await fhir.repo.updateResource(resource);
  }, SLOW_MS);
  afterAll(async () => {
    await fhir.close();
  });

  it(
    'simulate --ref reads the change from the EPD and explains why it invites nobody',
    async () => {
      const result = await run(
        ['simulate', '--ref', 'MedicationRequest/nl-core-MedicationAgreement-01', '--mappings', MAPPINGS, '--json'],
        env,
      );
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout).events[0]).toMatchObject({
        invitations: [],
        skipped: [
          { triggerId: 'astma-medicatiewijziging', reason: expect.stringMatching(/^PRK code 71587 does not match/) },
        ],
      });
    },
    SLOW_MS,
  );

  it(
    'simulate --ref names a reference that is not in the EPD',
    async () => {
      const result = await run(['simulate', '--ref', 'MedicationRequest/nope', '--mappings', MAPPINGS], env);
      expect(result.code).toBe(65);
      expect(result.stderr).toMatch(/MedicationRequest\/nope could not be read from the EPD/);
    },
    SLOW_MS,
  );

  it(
    'coverage counts the changes per trigger and names the near misses',
    async () => {
      const result = await run(['coverage', '--since', 'P1D', '--mappings', MAPPINGS, '--json'], env);
      expect(result.code).toBe(0);
      const report = JSON.parse(result.stdout);
      expect(report.types).toContainEqual({ resourceType: 'MedicationRequest', changes: 1, truncated: false });
      const medication = report.triggers.find((t: { triggerId: string }) => t.triggerId === 'astma-medicatiewijziging');
      expect(medication).toMatchObject({ changes: 1, matched: 0, skipped: { code: 1 } });
      expect(medication.nearMisses).toEqual([{ reason: expect.stringMatching(/^PRK code 71587/), count: 1 }]);
      const lines = await run(['coverage', '--since', 'P1D', '--mappings', MAPPINGS], env);
      expect(lines.stdout).toMatch(
        /astma-medicatiewijziging \(MedicationRequest, medication-change\): 0 of 1 matched; skipped: code 1/,
      );
    },
    SLOW_MS,
  );

  it('refuses a --since that is no duration', async () => {
    expect((await run(['coverage', '--since', '7 days'], env)).code).toBe(64);
  });
});
