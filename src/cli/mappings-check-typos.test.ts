import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkMappings } from './mappings-check.js';

// The shipped example mapping files (mappings/), copied and given one typo each: the kinds of
// mistake that used to load and then switch a trigger off, or stop the service without a line.
const SHIPPED = new URL('../../mappings/', import.meta.url);
const ENV = {
  EPD_BASE_URL: 'http://127.0.0.1:8103/fhir',
  INTAKE_SOURCES: 'hix',
  INTAKE_HIX_TOKEN: 'a-token-of-enough-length',
  PSEUDONYM_SECRET: 'a-secret-of-enough-length',
  ASTMA_KEUZEHULP_TOKEN: 'a'.repeat(32),
  POSITIEVE_GEZONDHEID_LINK_SECRET: 'p'.repeat(64),
};
const ASTHMA = 'paediatric-asthma.yaml';
const HEALTH = 'positive-health.yaml';

describe('mappings check on typos in the example mapping files', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mappings-typos-'));
    await cp(SHIPPED, dir, { recursive: true });
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function withTypo(file: string, written: string, typo: string): Promise<void> {
    const text = await readFile(join(dir, file), 'utf8');
    expect(text).toContain(written); // the example still says what the typo replaces
    await writeFile(join(dir, file), text.replace(written, typo));
  }

  it('passes the shipped files as they are', async () => {
    expect(await checkMappings(dir, ENV)).toMatchObject({ ok: true });
  });

  it.each([
    [
      'an element name in a condition',
      ASTHMA,
      "status = 'active' and intent = 'plan'",
      "staus = 'active' and intent = 'plan'",
      `${ASTHMA}:128 trigger astma-behandelkeuze condition: "staus" is not an element of CarePlan; did you mean "status"? (in staus = 'active' and intent = 'plan')`,
    ],
    [
      'an element name deep in a code path',
      ASTHMA,
      'path: activity.detail.code',
      'path: activity.detial.code',
      `${ASTHMA}:128 trigger astma-behandelkeuze codes[0].path: "detial" is not an element of CarePlanActivity; did you mean "detail"? (in activity.detial.code)`,
    ],
    [
      'a resource type in other case',
      ASTHMA,
      'resourceType: CarePlan',
      'resourceType: Careplan',
      `${ASTHMA}:130 triggers[1].resourceType: "Careplan" is not a FHIR R4 resource type; did you mean "CarePlan"?`,
    ],
    [
      'a resource type with a letter missing',
      ASTHMA,
      'resourceType: MedicationRequest',
      'resourceType: MedicatonRequest',
      `${ASTHMA}:101 triggers[0].resourceType: "MedicatonRequest" is not a FHIR R4 resource type; did you mean "MedicationRequest"?`,
    ],
    [
      'a broken YAML line',
      HEALTH,
      'resourceType: Encounter',
      'resourceType: Encounter: x',
      `${HEALTH}:44: Nested mappings are not allowed in compact mappings`,
    ],
    [
      'a linkId the Questionnaire does not have',
      ASTHMA,
      'act-5: act.q5',
      'act-6: act.q5',
      `${ASTHMA}:24 decisionAids(astma-kind).results.questionnaires[2].answers.act-6: act-6 is not a linkId of https://sdm-bridge.org/fhir/Questionnaire/act|1.0.0`,
    ],
  ])('refuses %s with file:line', async (_name, file, written, typo, expected) => {
    await withTypo(file, written, typo);
    const result = await checkMappings(dir, ENV);
    expect(result.ok).toBe(false);
    expect(result.lines).toContain(`${dir}/${expected}`);
  });

  it.each([
    [
      'a placeholder secret',
      { POSITIEVE_GEZONDHEID_LINK_SECRET: 'change-me-to-at-least-32-random-characters-openssl-rand-hex-32' },
      `${HEALTH}:23 decisionAids[0].delivery.secretEnv: POSITIEVE_GEZONDHEID_LINK_SECRET is still a placeholder; set the real secret`,
    ],
    [
      'a results token shorter than 16 characters',
      { ASTMA_KEUZEHULP_TOKEN: 'short-token' },
      `${ASTHMA}:24 decisionAids(astma-kind).results.auth: the credential is shorter than 16 characters (try: openssl rand -hex 32)`,
    ],
  ])('refuses %s with file:line, as the start does', async (_name, env, expected) => {
    const result = await checkMappings(dir, { ...ENV, ...env });
    expect(result.lines).toContain(`${dir}/${expected}`);
  });

  it('names a missing questionnaire folder and the settings the start would refuse, all at once', async () => {
    await rm(join(dir, 'questionnaires'), { recursive: true });
    const result = await checkMappings(dir, { ...ENV, PSEUDONYM_SECRET: 'change-me-please-0123' });
    expect(result.lines).toEqual([
      'PSEUDONYM_SECRET: still a placeholder; set a random value (openssl rand -hex 32)',
      `${join(dir, 'questionnaires')}: no such folder, but decision aids astma-kind, positieve-gezondheid-kind post results; put the Questionnaires there as *.json`,
    ]);
  });
});
