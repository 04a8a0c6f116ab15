import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Encounter, MedicationRequest, Patient, RelatedPerson } from '@medplum/fhirtypes';
import { evaluateRules } from './evaluate-rules.js';
import { loadMappings, MappingError, type MappingIssue } from './load-mappings.js';

const SHIPPED = fileURLToPath(new URL('../../mappings', import.meta.url));
/** The secrets the shipped files name; everything else has a 127.0.0.1 default. */
const SECRETS = { ASTMA_KEUZEHULP_TOKEN: 'demo-token', POSITIEVE_GEZONDHEID_LINK_SECRET: 'x'.repeat(64) };
const ROLE_CODE = 'http://terminology.hl7.org/CodeSystem/v3-RoleCode';

async function issuesOf(promise: Promise<unknown>): Promise<MappingIssue[]> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(error instanceof MappingError)) throw new Error(`expected a MappingError, got ${String(error)}`);
  return error.errors;
}

describe('loadMappings: the shipped example files', () => {
  it('load cleanly with only the two secrets set', async () => {
    const compiled = await loadMappings(SHIPPED, SECRETS);
    expect(compiled.files).toEqual(['paediatric-asthma.yaml', 'positive-health.yaml']);
    expect([...compiled.decisionAids.keys()]).toEqual(['astma-kind', 'positieve-gezondheid-kind']);
    expect(compiled.decisionAids.get('astma-kind')?.delivery).toMatchObject({
      type: 'http-api',
      url: 'http://127.0.0.1:4010/api/invitations',
      timeoutMs: 10_000,
    });
    expect(compiled.decisionAids.get('positieve-gezondheid-kind')?.delivery).toMatchObject({
      type: 'signed-link',
      validForMs: 14 * 86_400_000,
    });
    const moments = compiled.triggers.map((t) => t.keyMoment);
    expect(moments.filter((m) => m === 'medication-change')).toHaveLength(1);
    expect(moments.filter((m) => m === 'treatment-choice')).toHaveLength(1);
    expect(moments.filter((m) => m === 'evaluation')).toHaveLength(2);
    expect(compiled.triggers.every((t) => t.recipientsByAge !== undefined)).toBe(true); // recipients: by-age
    expect([...compiled.resourceTypes].sort()).toEqual(['CarePlan', 'Encounter', 'MedicationRequest']);
  });

  it('take URLs from the environment when set', async () => {
    const compiled = await loadMappings(SHIPPED, {
      ...SECRETS,
      ASTMA_KEUZEHULP_URL: 'https://keuzehulp.example.org/api/invitations',
    });
    expect(compiled.decisionAids.get('astma-kind')?.delivery).toMatchObject({
      url: 'https://keuzehulp.example.org/api/invitations',
    });
  });

  it('name the missing secrets, with their lines, when none are set', async () => {
    const issues = await issuesOf(loadMappings(SHIPPED, {}));
    expect(issues.map((i) => `${i.file}:${i.line} ${i.field}`)).toEqual([
      'paediatric-asthma.yaml:42 decisionAids[0].delivery.auth.tokenEnv',
      'positive-health.yaml:25 decisionAids[0].delivery.secretEnv',
    ]);
  });

  it('invite a 13-year-old and a parent when an asthma medication agreement changes', async () => {
    const compiled = await loadMappings(SHIPPED, SECRETS);
    const agreement: MedicationRequest & { id: string } = {
      resourceType: 'MedicationRequest',
      id: 'ma-1',
      status: 'active',
      intent: 'order',
      category: [{ coding: [{ system: 'http://snomed.info/sct', code: '16076005' }] }],
      medicationCodeableConcept: { coding: [{ system: 'http://www.whocc.no/atc', code: 'R03AK06' }] },
      subject: { reference: 'Patient/kind-1' },
    };
    const child: Patient & { id: string } = {
      resourceType: 'Patient',
      id: 'kind-1',
      birthDate: '2011-02-01',
      managingOrganization: { reference: 'Organization/kinderlongziekten' },
    };
    const mother: RelatedPerson & { id: string } = {
      resourceType: 'RelatedPerson',
      id: 'moeder',
      patient: { reference: 'Patient/kind-1' },
      relationship: [{ coding: [{ system: ROLE_CODE, code: 'MTH' }] }],
    };
    const outcome = evaluateRules(compiled, {
      resource: agreement,
      interaction: 'create',
      occurredAt: '2024-05-01T09:00:00+02:00',
      patient: child,
      relatedPersons: [mother],
    });
    expect(outcome.invitations.map((i) => `${i.triggerId} → ${i.recipient.reference}`)).toEqual([
      'astma-medicatiewijziging → Patient/kind-1',
      'astma-medicatiewijziging → RelatedPerson/moeder',
    ]);
    expect(outcome.skipped).toEqual([]);
  });

  it('invite the parents of a 7-year-old with diabetes after a visit at paediatrics', async () => {
    const compiled = await loadMappings(SHIPPED, SECRETS);
    const visit: Encounter & { id: string } = {
      resourceType: 'Encounter',
      id: 'bezoek-1',
      status: 'finished',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
      reasonCode: [{ coding: [{ system: 'http://snomed.info/sct', code: '46635009' }] }],
      serviceProvider: { reference: 'Organization/kindergeneeskunde' },
      subject: { reference: 'Patient/kind-2' },
    };
    const child: Patient & { id: string } = { resourceType: 'Patient', id: 'kind-2', birthDate: '2017-01-10' };
    const father: RelatedPerson & { id: string } = {
      resourceType: 'RelatedPerson',
      id: 'vader',
      patient: { reference: 'Patient/kind-2' },
      relationship: [{ coding: [{ system: ROLE_CODE, code: 'FTH' }] }],
    };
    const outcome = evaluateRules(compiled, {
      resource: visit,
      interaction: 'update',
      occurredAt: '2024-05-01T11:00:00+02:00',
      patient: child,
      relatedPersons: [father],
    });
    expect(outcome.invitations.map((i) => [i.triggerId, i.recipient.reference, i.throttleMs])).toEqual([
      ['positieve-gezondheid-evaluatie', 'RelatedPerson/vader', 90 * 86_400_000],
    ]);
    expect(outcome.skipped.map((s) => s.triggerId).sort()).toEqual(['astma-evaluatie']);
  });
});

describe('loadMappings: the directory', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mappings-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads *.yaml and *.yml in name order, not subfolders or other files', async () => {
    const aid =
      'decisionAids:\n  - id: a\n    title: A\n    activityDefinition: https://x.example.org/AD/a\n    delivery: { type: signed-link, baseUrl: "http://127.0.0.1/s", secretEnv: S }\n';
    await writeFile(join(dir, 'b.yml'), aid);
    await writeFile(join(dir, 'a.yaml'), '# empty for now\n');
    await writeFile(join(dir, 'README.md'), 'not a mapping');
    await mkdir(join(dir, 'questionnaires'));
    await writeFile(join(dir, 'questionnaires', 'broken.yaml'), 'this: [is not loaded');
    const compiled = await loadMappings(dir, { S: 's'.repeat(32) });
    expect(compiled.files).toEqual(['a.yaml', 'b.yml']);
  });

  it('reports an empty directory', async () => {
    await writeFile(join(dir, 'notes.txt'), '');
    expect(await issuesOf(loadMappings(dir, {}))).toEqual([
      { file: dir, field: '', message: expect.stringMatching(/no mapping files/) },
    ]);
  });

  it('reports a directory that does not exist', async () => {
    const missing = join(dir, 'nope');
    expect(await issuesOf(loadMappings(missing, {}))).toEqual([
      { file: missing, field: '', message: expect.stringMatching(/cannot read the mappings directory \(ENOENT\)/) },
    ]);
  });
});
