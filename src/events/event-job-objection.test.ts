import { fileURLToPath } from 'node:url';
import type { Consent, Patient } from '@medplum/fhirtypes';
import { seedChildWithMedication } from '../../test/helpers/child-with-medication.js';
import { createFakeEpdClient, type FakeEpdClient } from '../epd/fake-epd-client.js';
import type { JobContext } from '../queue/create-worker.js';
import type { CompiledMappings } from '../rules/compile-mappings.js';
import { loadMappings } from '../rules/load-mappings.js';
import { CONSENT_PURPOSE_SYSTEM, createObjectionPolicy, type ObjectionPolicy } from '../rules/objection-policy.js';
import type { SkippedTrigger } from '../rules/types.js';
import { loadFhirDefinitions } from '../shared/fhir-definitions.js';
import { createLogger } from '../shared/logger.js';
import type { EpdEvent } from '../intake/epd-event.js';
import { createEventJob, type PlannedInvitation } from './event-job.js';
import { createFakeThrottleStore } from './fake-throttle-store.js';

const SHIPPED = fileURLToPath(new URL('../../mappings', import.meta.url));
const SECRETS = { ASTMA_KEUZEHULP_TOKEN: 'demo-token', POSITIEVE_GEZONDHEID_LINK_SECRET: 'x'.repeat(64) };
const FLAG_URL = 'https://ziekenhuis.example.org/fhir/StructureDefinition/bezwaar-keuzehulp';
const TODAY = '2024-05-01T10:00:00+02:00';

const ctx: JobContext = { log: createLogger({ level: 'silent' }), jobId: 'evt-test', attempt: 1, maxAttempts: 1 };

/** The events job on fakes, with the shipped mapping files: what it enqueues, counts and returns. */
async function run(epd: FakeEpdClient, mappings: CompiledMappings, objection?: ObjectionPolicy) {
  const enqueued: PlannedInvitation[] = [];
  const counted: SkippedTrigger[] = [];
  const job = createEventJob({
    epd,
    identity: { epdBase: 'https://epd.example.org/fhir', invitationIdSecret: 'invitation-id-secret-for-tests' },
    getMappings: () => mappings,
    throttle: createFakeThrottleStore(),
    enqueueInvitations: async (planned) => void enqueued.push(...planned),
    countSkipped: (skip) => counted.push(skip),
    ...(objection ? { objection } : {}),
  });
  const event: EpdEvent = {
    eventKey: 'hix|MedicationRequest/ma-1/_history/1',
    source: 'hix',
    shape: 'resource',
    resourceType: 'MedicationRequest',
    reference: 'MedicationRequest/ma-1',
    interaction: 'create',
    occurredAt: TODAY,
  };
  const result = await job(event, ctx);
  return { result, enqueued, counted };
}

function seed(epd: FakeEpdClient, patient: Partial<Patient>, consents: Consent[]): Promise<void> {
  return seedChildWithMedication(epd, { patient, consents });
}

const objection = (status: Consent['status'] = 'active'): Consent => ({
  resourceType: 'Consent',
  id: 'bezwaar',
  status,
  scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
  category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
  patient: { reference: 'Patient/kind-1' },
  policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTOUT' }] },
  provision: { type: 'deny', purpose: [{ system: CONSENT_PURPOSE_SYSTEM, code: 'decision-support-contact' }] },
});

// Loading the FHIR definitions takes seconds on a busy machine: once, outside the 5 s of a test.
beforeAll(() => loadFhirDefinitions(), 30_000);

describe('events job: the patient objected', () => {
  let mappings: CompiledMappings;
  beforeAll(async () => {
    mappings = await loadMappings(SHIPPED, SECRETS);
  }, 30_000);

  it.each<[string, Partial<Patient>, Consent[], ObjectionPolicy | undefined, string | undefined]>([
    ['no objection', {}, [], undefined, undefined],
    ['an active Consent denying contact', {}, [objection()], undefined, 'Consent/bezwaar'],
    ['a withdrawn Consent (inactive)', {}, [objection('inactive')], undefined, undefined],
    [
      'the flag on the Patient',
      { extension: [{ url: FLAG_URL, valueBoolean: true }] },
      [],
      createObjectionPolicy({ patientFlag: `extension('${FLAG_URL}').valueBoolean` }),
      'Patient flag',
    ],
    [
      'a flag the hospital does not use',
      { extension: [{ url: FLAG_URL, valueBoolean: true }] },
      [],
      undefined,
      undefined,
    ],
  ])('%s', async (_name, patient, consents, policy, source) => {
    const epd = createFakeEpdClient();
    await seed(epd, patient, consents);
    const { result, enqueued, counted } = await run(epd, mappings, policy);
    if (!source) {
      expect(enqueued.map((p) => p.data.recipient.reference)).toEqual(['Patient/kind-1', 'RelatedPerson/moeder']);
      expect(result.objection).toBeUndefined();
      return;
    }
    expect(enqueued).toEqual([]);
    expect(result).toMatchObject({
      invitations: [],
      objection: { source },
      skipped: [{ triggerId: 'astma-medicatiewijziging', code: 'objection' }],
    });
    expect(result.skipped[0]?.reason).toMatch(/^patient objected/);
    expect(counted).toEqual([expect.objectContaining({ code: 'objection' })]);
  });

  it("reads only the patient's active Consents, and nothing is written", async () => {
    const epd = createFakeEpdClient();
    await seed(epd, {}, [objection()]);
    await run(epd, mappings);
    expect(epd.calls.filter((c) => c.method === 'readBatch').map((c) => c.target)).toEqual([
      'Patient/kind-1,RelatedPerson,Consent',
      'Organization/kinderlongziekten', // the department, for its identifiers
    ]);
    expect(epd.calls.some((c) => c.method === 'createIfNoneExist' || c.method === 'update')).toBe(false);
  });
});
