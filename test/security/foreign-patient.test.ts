import { fileURLToPath } from 'node:url';
import type { MedicationRequest } from '@medplum/fhirtypes';
import { createFakeEpdClient, type FakeEpdClient } from '../../src/epd/fake-epd-client.js';
import { createEventJob, type PlannedInvitation } from '../../src/events/event-job.js';
import { createFakeThrottleStore } from '../../src/events/fake-throttle-store.js';
import type { EpdEvent } from '../../src/intake/epd-event.js';
import type { JobContext } from '../../src/queue/create-worker.js';
import type { CompiledMappings } from '../../src/rules/compile-mappings.js';
import { loadMappings } from '../../src/rules/load-mappings.js';
import { patientReferenceOf } from '../../src/rules/patient-reference-of.js';
import { loadFhirDefinitions } from '../../src/shared/fhir-definitions.js';
import { createLogger } from '../../src/shared/logger.js';
import { seedChildWithMedication } from '../helpers/child-with-medication.js';

/**
 * Finding (low): a subject `https://other-hospital.example/fhir/Patient/<id>` was taken for the
 * local `Patient/<id>`, and the Task went to the wrong child. Now a patient on another server is
 * never read nor invited; the trigger is skipped with a reason that names the server.
 */
const SHIPPED = fileURLToPath(new URL('../../mappings', import.meta.url));
const SECRETS = { ASTMA_KEUZEHULP_TOKEN: 'demo-token', POSITIEVE_GEZONDHEID_LINK_SECRET: 'x'.repeat(64) };
const OUR_BASE = 'https://epd.example.org/fhir';
const ctx: JobContext = { log: createLogger({ level: 'silent' }), jobId: 'evt-test', attempt: 1, maxAttempts: 1 };
const EVENT: EpdEvent = {
  eventKey: 'hix|MedicationRequest/ma-1/_history/2',
  source: 'hix',
  shape: 'resource',
  resourceType: 'MedicationRequest',
  reference: 'MedicationRequest/ma-1',
  interaction: 'update',
  occurredAt: '2026-05-01T10:00:00+02:00',
};

let mappings: CompiledMappings;
beforeAll(async () => {
  loadFhirDefinitions();
  mappings = await loadMappings(SHIPPED, SECRETS);
}, 30_000);

/** The local child kind-1 with an asthma agreement, whose subject is then rewritten to `subject`. */
async function recordWithSubject(subject: string): Promise<FakeEpdClient> {
  const epd = createFakeEpdClient();
  await seedChildWithMedication(epd, { patient: { birthDate: '2014-01-01' } });
  const agreement = await epd.read<MedicationRequest & { id: string }>('MedicationRequest/ma-1');
  await epd.update({ ...agreement, subject: { reference: subject } });
  return epd;
}

async function run(epd: FakeEpdClient) {
  const enqueued: PlannedInvitation[] = [];
  const job = createEventJob({
    epd,
    getMappings: () => mappings,
    throttle: createFakeThrottleStore(),
    identity: { epdBase: 'https://epd.example.org/fhir', invitationIdSecret: 'invitation-id-secret-for-tests' },
    enqueueInvitations: async (planned) => void enqueued.push(...planned),
    epdBases: [OUR_BASE],
  });
  return { result: await job(EVENT, ctx), enqueued };
}

describe('only our EPD’s patients are invited', () => {
  it('skips a subject on another server with a reason naming it, and never reads the local namesake', async () => {
    const epd = await recordWithSubject('https://other-hospital.example/fhir/Patient/kind-1');
    const { result, enqueued } = await run(epd);
    expect(enqueued).toEqual([]);
    expect(result.skipped.some((s) => s.reason.includes('another server (https://other-hospital.example)'))).toBe(true);
    expect(epd.calls.some((c) => c.target.includes('Patient/kind-1'))).toBe(false);
  });

  it.each([['Patient/kind-1'], [`${OUR_BASE}/Patient/kind-1`]])('still invites for %s', async (subject) => {
    const { enqueued } = await run(await recordWithSubject(subject));
    expect(enqueued.length).toBeGreaterThan(0);
    expect(enqueued.every((p) => p.data.patient === 'Patient/kind-1')).toBe(true);
  });

  it('patientReferenceOf answers nothing for another server when the bases are given', () => {
    const resource = {
      resourceType: 'MedicationRequest',
      subject: { reference: 'http://evil.example/Patient/kind-1' },
    } as MedicationRequest;
    expect(patientReferenceOf(resource, [OUR_BASE])).toBeUndefined();
  });
});
