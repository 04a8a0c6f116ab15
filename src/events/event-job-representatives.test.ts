import { fileURLToPath } from 'node:url';
import type { Patient, PatientContact } from '@medplum/fhirtypes';
import { seedChildWithMedication } from '../../test/helpers/child-with-medication.js';
import { createFakeEpdClient, type FakeEpdClient } from '../epd/fake-epd-client.js';
import type { EpdEvent } from '../intake/epd-event.js';
import type { JobContext } from '../queue/create-worker.js';
import { loadMappings } from '../rules/load-mappings.js';
import type { SkipClass } from '../rules/skip-class.js';
import { createLogger } from '../shared/logger.js';
import { createEventJob, type PlannedInvitation } from './event-job.js';
import { createFakeThrottleStore } from './fake-throttle-store.js';

/** The events job for a child of 9 through the shipped asthma mapping: a Patient.contact parent, or nobody. */

const SHIPPED = fileURLToPath(new URL('../../mappings', import.meta.url));
const SECRETS = { ASTMA_KEUZEHULP_TOKEN: 'demo-token', POSITIEVE_GEZONDHEID_LINK_SECRET: 'x'.repeat(64) };
const ctx: JobContext = { log: createLogger({ level: 'silent' }), jobId: 'evt-test', attempt: 1, maxAttempts: 1 };
const ZIB_ROLE = 'urn:oid:2.16.840.1.113883.2.4.3.11.22.472';

const representative: PatientContact = {
  relationship: [{ coding: [{ system: ZIB_ROLE, code: '24', display: 'Wettelijke vertegenwoordiger' }] }],
  name: { text: 'J. de Vries' },
  telecom: [{ system: 'email', value: 'vertegenwoordiger@example.org' }],
};
const firstContact: PatientContact = {
  relationship: [{ coding: [{ system: ZIB_ROLE, code: '01', display: 'Eerste relatie/contactpersoon' }] }],
  name: { text: 'Buurvrouw' },
};

/** A child of 9 without RelatedPersons, with these contacts. */
async function childOfNine(contact: PatientContact[]): Promise<FakeEpdClient> {
  const epd = createFakeEpdClient();
  await seedChildWithMedication(epd, { patient: { birthDate: '2017-01-01', contact } });
  await epd.repo.deleteResource('RelatedPerson', 'moeder');
  return epd;
}

const event: EpdEvent = {
  eventKey: 'hix|MedicationRequest/ma-1/_history/1',
  source: 'hix',
  shape: 'resource',
  resourceType: 'MedicationRequest',
  reference: 'MedicationRequest/ma-1',
  interaction: 'create',
  occurredAt: '2026-05-01T10:00:00+02:00',
};

async function run(epd: FakeEpdClient, throttle = createFakeThrottleStore(), change = event) {
  const mappings = await loadMappings(SHIPPED, SECRETS);
  const planned: PlannedInvitation[] = [];
  const skips: SkipClass[] = [];
  const job = createEventJob({
    epd,
    getMappings: () => mappings,
    throttle,
    identity: { epdBase: 'https://epd.example.org/fhir', invitationIdSecret: 'invitation-id-secret-for-tests' },
    enqueueInvitations: async (p) => void planned.push(...p),
    countSkipped: (skip) => void skips.push(skip.skipClass),
  });
  const result = await job(change, ctx);
  return { planned, skips, result };
}

describe('events job: a parent known only as a Patient.contact', () => {
  it('plans one invitation keyed by a hash of the contact: no name in the job data', async () => {
    const { planned, skips } = await run(await childOfNine([representative]));
    expect(planned.map((p) => p.data.recipient)).toEqual([
      { role: 'guardian', reference: 'Patient/kind-1', contact: expect.stringMatching(/^contact-[0-9a-f]{24}$/) },
    ]);
    expect(planned[0]?.data.noRepresentative).toBeUndefined();
    expect(planned[0]?.delayMs).toBe(2 * 3_600_000); // the shipped reflection time, as for any invitation
    expect(JSON.stringify(planned)).not.toMatch(/vries|vertegenwoordiger@/i);
    expect(skips).toEqual([]);
  });

  it('gives the same invitation id when the EPD added or reordered contacts before a poll', async () => {
    const epd = await childOfNine([representative]);
    const once = await run(epd);
    const patient = await epd.repo.readResource<Patient>('Patient', 'kind-1');
    await epd.repo.updateResource({
      ...patient,
      contact: [firstContact, { ...representative, name: { text: 'j. de  vries' } }],
    });
    const again = await run(epd);
    expect(once.planned).toHaveLength(1);
    expect(again.planned.map((p) => p.jobId)).toEqual(once.planned.map((p) => p.jobId));
  });
});

describe('events job: a child of 9 with nobody who may be invited', () => {
  it('plans one on-hold Task at once, counts the skip as no-representative, and does not claim the throttle', async () => {
    const throttle = createFakeThrottleStore();
    const epd = await childOfNine([firstContact]);
    const { planned, skips, result } = await run(epd, throttle);
    expect(planned.map((p) => [p.data.triggerId, p.data.recipient, p.data.noRepresentative, p.delayMs])).toEqual([
      ['astma-medicatiewijziging', { role: 'guardian', reference: 'Patient/kind-1' }, true, 0],
    ]);
    expect(skips).toEqual(['no-representative']);
    expect(result.invitations).toEqual([planned[0]?.data.invitationId]);
    // The same change again (a poll, a replay): the same id, so the queue and the conditional create keep one Task.
    expect((await run(epd, throttle)).planned.map((p) => p.jobId)).toEqual([planned[0]?.jobId]);
  });

  it('invites the parent registered afterwards on the next change: the on-hold Task did not use up the throttle window', async () => {
    const throttle = createFakeThrottleStore();
    const epd = await childOfNine([firstContact]);
    await run(epd, throttle);
    const patient = await epd.repo.readResource<Patient>('Patient', 'kind-1');
    await epd.repo.updateResource({ ...patient, contact: [firstContact, representative] });
    const first = (await epd.repo.readResource('MedicationRequest', 'ma-1')) as object;
    await epd.repo.updateResource({ ...first, id: 'ma-2' } as never);
    const next = { ...event, eventKey: 'hix|MedicationRequest/ma-2/_history/1', reference: 'MedicationRequest/ma-2' };
    const { planned } = await run(epd, throttle, next);
    expect(planned.map((p) => [p.data.recipient.contact !== undefined, p.data.noRepresentative])).toEqual([
      [true, undefined],
    ]);
  });
});
