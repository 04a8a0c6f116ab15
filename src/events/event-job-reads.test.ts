import type { MedicationRequest } from '@medplum/fhirtypes';
import { fileURLToPath } from 'node:url';
import { seedChildWithMedication } from '../../test/helpers/child-with-medication.js';
import { createFakeEpdClient, type FakeEpdClient } from '../epd/fake-epd-client.js';
import type { JobContext } from '../queue/create-worker.js';
import type { CompiledMappings } from '../rules/compile-mappings.js';
import { loadMappings } from '../rules/load-mappings.js';
import { loadFhirDefinitions } from '../shared/fhir-definitions.js';
import { createLogger } from '../shared/logger.js';
import type { EpdEvent } from '../intake/epd-event.js';
import { createEventJob, type PlannedInvitation } from './event-job.js';
import { createFakeThrottleStore } from './fake-throttle-store.js';

const SHIPPED = fileURLToPath(new URL('../../mappings', import.meta.url));
const SECRETS = { ASTMA_KEUZEHULP_TOKEN: 'demo-token', POSITIEVE_GEZONDHEID_LINK_SECRET: 'x'.repeat(64) };
const ctx: JobContext = { log: createLogger({ level: 'silent' }), jobId: 'evt-test', attempt: 1, maxAttempts: 1 };

function seed(epd: FakeEpdClient, atc: string): Promise<void> {
  return seedChildWithMedication(epd, { atc, patient: { birthDate: '2014-01-01' } });
}

async function run(epd: FakeEpdClient, mappings: CompiledMappings) {
  const enqueued: PlannedInvitation[] = [];
  const job = createEventJob({
    epd,
    identity: { epdBase: 'https://epd.example.org/fhir', invitationIdSecret: 'invitation-id-secret-for-tests' },
    getMappings: () => mappings,
    throttle: createFakeThrottleStore(),
    enqueueInvitations: async (planned) => void enqueued.push(...planned),
  });
  const event: EpdEvent = {
    eventKey: 'hix|MedicationRequest/ma-1/_history/1',
    source: 'hix',
    shape: 'resource',
    resourceType: 'MedicationRequest',
    reference: 'MedicationRequest/ma-1',
    interaction: 'create',
    occurredAt: '2026-05-01T10:00:00+02:00',
  };
  const result = await job(event, ctx);
  return { result, enqueued };
}

beforeAll(() => loadFhirDefinitions(), 30_000);

describe('events job: what it reads from the EPD', () => {
  let mappings: CompiledMappings;
  beforeAll(async () => {
    mappings = await loadMappings(SHIPPED, SECRETS);
  });

  it('reads only the resource for an everyday change, and still says why each trigger did not fire', async () => {
    const epd = createFakeEpdClient();
    await seed(epd, 'C09AA02'); // an ACE inhibitor: no trigger is written for it
    const { result, enqueued } = await run(epd, mappings);
    expect(epd.calls).toEqual([{ method: 'read', target: 'MedicationRequest/ma-1' }]);
    expect(enqueued).toEqual([]);
    expect(result.skipped.length).toBeGreaterThan(0);
    expect(result.skipped.every((s) => /C09AA02|interaction|condition/.test(s.reason))).toBe(true);
  });

  it('reads the patient, parents and consents for a key moment, in one batch', async () => {
    const epd = createFakeEpdClient();
    await seed(epd, 'R03BA05');
    const { enqueued } = await run(epd, mappings);
    expect(epd.calls.map((c) => `${c.method} ${c.target}`).sort()).toEqual(
      [
        'read MedicationRequest/ma-1',
        'readBatch Patient/kind-1,RelatedPerson,Consent',
        'readBatch Organization/kinderlongziekten', // the department, for its identifiers
      ].sort(),
    );
    expect(enqueued.length).toBeGreaterThan(0);
  });

  it('follows medicationReference to a separate Medication (zib2020/MP9) before deciding', async () => {
    const epd = createFakeEpdClient();
    await seed(epd, 'C09AA02');
    const agreement = await epd.repo.readResource('MedicationRequest', 'ma-1');
    const { medicationCodeableConcept: _inline, ...rest } = agreement as MedicationRequest;
    await epd.repo.updateResource({ ...rest, medicationReference: { reference: 'Medication/med-1' } } as never);
    await epd.repo.updateResource({
      resourceType: 'Medication',
      id: 'med-1',
      code: { coding: [{ system: 'urn:oid:2.16.840.1.113883.6.73', code: 'R03BA05' }] }, // ATC under its OID
    } as never);
    const { enqueued } = await run(epd, mappings);
    expect(epd.calls.map((c) => `${c.method} ${c.target}`)).toEqual([
      'read MedicationRequest/ma-1',
      'readBatch Medication/med-1',
      'readBatch Patient/kind-1,RelatedPerson,Consent',
      'readBatch Organization/kinderlongziekten',
    ]);
    expect(enqueued.map((p) => p.data.recipient.reference).sort()).toEqual(['Patient/kind-1', 'RelatedPerson/moeder']);
  });

  it('says "no code" when the referenced Medication is gone, instead of retrying forever', async () => {
    const epd = createFakeEpdClient();
    await seed(epd, 'C09AA02');
    const agreement = (await epd.repo.readResource('MedicationRequest', 'ma-1')) as MedicationRequest;
    const { medicationCodeableConcept: _inline, ...rest } = agreement;
    await epd.repo.updateResource({ ...rest, medicationReference: { reference: 'Medication/weg' } } as never);
    const { result, enqueued } = await run(epd, mappings);
    expect(enqueued).toEqual([]);
    expect(result.skipped.some((s) => /no code of the wanted system/.test(s.reason))).toBe(true);
  });
});
