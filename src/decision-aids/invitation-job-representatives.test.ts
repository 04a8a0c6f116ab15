import type { AuditEvent, MedicationRequest, Patient, PatientContact, Task } from '@medplum/fhirtypes';
import { expectAllowedReferenceTargets } from '../../test/helpers/reference-targets.js';
import { createFakeEpdClient, type FakeEpdClient } from '../epd/fake-epd-client.js';
import type { JobContext } from '../queue/create-worker.js';
import type { InvitationJobData } from '../queue/job-types.js';
import type { CompiledMappings } from '../rules/compile-mappings.js';
import { contactKeyFor, contactNaturalKey } from '../rules/contact-representatives.js';
import type { DecisionAid } from '../rules/types.js';
import { assertValidResource } from '../shared/fhir-definitions.js';
import { createLogger } from '../shared/logger.js';
import { invitationLinkOf, invitationTaskQuery } from './build-invitation-task.js';
import type { InvitationAdapter, InvitationRequest } from './invitation-adapter.js';
import { createInvitationJob } from './invitation-job.js';

/** The invitations job for a parent known only as a Patient.contact, and for a child with nobody to invite. */

const NOW = new Date('2025-03-01T10:00:05.000Z');
const SECRET = 'contact-key-secret-for-tests';
const ZIB_ROLE = 'urn:oid:2.16.840.1.113883.2.4.3.11.22.472';
const aid: DecisionAid = {
  id: 'astma-kind',
  title: 'Keuzehulp astma',
  activityDefinition: 'https://keuzehulp.example.org/fhir/ActivityDefinition/astma-kind|2.1',
  koppeltaal: false,
  delivery: {
    type: 'signed-link',
    baseUrl: 'https://keuzehulp.example.org/s',
    secret: 's'.repeat(32),
    validForMs: 1000,
  },
};
const mappings = { decisionAids: new Map([[aid.id, aid]]) } as unknown as CompiledMappings;
const context: JobContext = { log: createLogger({ level: 'silent' }), jobId: 'inv-1', attempt: 1, maxAttempts: 3 };

const representative: PatientContact = {
  relationship: [{ coding: [{ system: ZIB_ROLE, code: '24', display: 'Wettelijke vertegenwoordiger' }] }],
  name: { text: 'J. de Vries' },
  telecom: [{ system: 'email', value: 'vertegenwoordiger@example.org' }],
};

/** A recording platform stand-in: what it was asked, and a link back. */
function platform() {
  const calls: InvitationRequest[] = [];
  const adapter: InvitationAdapter = {
    createInvitation: async (request) => {
      calls.push(request);
      return { link: `https://keuzehulp.example.org/s/${request.invitationId}` };
    },
  };
  return { adapter, calls };
}

function runner(epd: FakeEpdClient, adapter: InvitationAdapter) {
  return createInvitationJob({
    epd,
    getMappings: () => mappings,
    adapterFor: () => adapter,
    pseudonymSecret: 'pseudonym-secret-for-tests',
    contactKeySecret: SECRET,
    now: () => NOW,
    audit: { client: epd, source: { sourceId: 'sdm-bridge-test' }, now: () => NOW },
  });
}

/** A child of 9 with these contacts and a medication change; the job data as the events job plans it. */
async function seed(epd: FakeEpdClient, contact: PatientContact[], recipient: 'contact' | 'nobody') {
  const patient = await epd.repo.createResource<Patient>({ resourceType: 'Patient', birthDate: '2016-01-01', contact });
  const request = await epd.repo.createResource<MedicationRequest>({
    resourceType: 'MedicationRequest',
    status: 'active',
    intent: 'order',
    subject: { reference: `Patient/${patient.id}` },
    medicationCodeableConcept: { text: 'budesonide' },
  });
  const reference = `Patient/${patient.id}`;
  const job: InvitationJobData = {
    invitationId: recipient === 'contact' ? 'inv-contact' : 'inv-nobody',
    eventKey: 'evt',
    source: 'hix',
    triggerId: 'astma-medicatiewijziging',
    keyMoment: 'medication-change',
    decisionAidId: aid.id,
    patient: reference,
    recipient:
      recipient === 'contact'
        ? { role: 'guardian', reference, contact: contactKeyFor(SECRET, reference, contactNaturalKey(representative)) }
        : { role: 'guardian', reference },
    ...(recipient === 'nobody' ? { noRepresentative: true as const } : {}),
    focus: `MedicationRequest/${request.id}/_history/${request.meta?.versionId}`,
    occurredAt: '2025-03-01T09:00:00Z',
  };
  return { job, patient };
}

async function tasksOf(epd: FakeEpdClient, invitationId: string): Promise<Task[]> {
  return epd.search<Task>('Task', Object.fromEntries(new URLSearchParams(invitationTaskQuery(invitationId))));
}

describe('invitation job: a parent known only as a Patient.contact', () => {
  let epd: FakeEpdClient;
  beforeEach(() => {
    epd = createFakeEpdClient();
  });

  it('invites the contact: the Task contains it as a RelatedPerson and names it as owner; the record gets no new person', async () => {
    const other: PatientContact = { ...representative, name: { text: 'Oma' }, relationship: [] };
    const { job } = await seed(epd, [other, representative], 'contact');
    const { adapter, calls } = platform();
    const result = await runner(epd, adapter)(job, context);
    expect(calls.map((c) => c.recipientRole)).toEqual(['guardian']);
    const [task, ...more] = await tasksOf(epd, job.invitationId);
    expect(more).toEqual([]);
    expect(task).toMatchObject({ id: result.taskId, status: 'ready', owner: { reference: '#vertegenwoordiger' } });
    expect(task?.contained).toEqual([
      expect.objectContaining({
        resourceType: 'RelatedPerson',
        name: [representative.name],
        telecom: representative.telecom,
      }),
    ]);
    expect(invitationLinkOf(task!)).toBeDefined();
    expect(() => assertValidResource(task!)).not.toThrow();
    expect(() => expectAllowedReferenceTargets([task!])).not.toThrow();
    expect(await epd.search('RelatedPerson', {})).toEqual([]);
    const [audit] = await epd.search<AuditEvent>('AuditEvent', {});
    expect(JSON.stringify(audit)).not.toContain('de Vries');
  });

  it('puts the Task on hold when the contact has no channel for the delivery, as for a RelatedPerson', async () => {
    const landline: PatientContact = {
      ...representative,
      telecom: [{ system: 'phone', value: '0201234567', use: 'home' }],
    };
    const { job, patient } = await seed(epd, [landline], 'contact');
    job.recipient.contact = contactKeyFor(SECRET, `Patient/${patient.id}`, contactNaturalKey(landline));
    const result = await runner(epd, platform().adapter)(job, context);
    const [task] = await tasksOf(epd, job.invitationId);
    expect([result.onHold, task?.statusReason?.coding?.[0]?.code]).toEqual([true, 'no-contact-channel']);
    expect(task?.owner?.reference).toBe('#vertegenwoordiger');
  });

  it('puts the Task on hold when the contact is gone from the patient by the time the invitation goes out', async () => {
    const { job, patient } = await seed(epd, [representative], 'contact');
    await epd.repo.updateResource<Patient>({ ...patient, contact: [] });
    const result = await runner(epd, platform().adapter)(job, context);
    const [task] = await tasksOf(epd, job.invitationId);
    expect(result.onHold).toBe(true);
    expect(task?.statusReason?.text).toBe('De ontvanger is niet actief in het dossier.');
    expect(task?.contained).toBeUndefined();
  });
});

describe('invitation job: a child with nobody who may be invited', () => {
  it('writes one on-hold Task without owner and never calls the platform, also when replayed', async () => {
    const epd = createFakeEpdClient();
    const { job } = await seed(epd, [], 'nobody');
    const { adapter, calls } = platform();
    const first = await runner(epd, adapter)(job, context);
    const again = await runner(epd, adapter)(job, context);
    expect(calls).toEqual([]);
    expect([first.created, again.created, again.taskId]).toEqual([true, false, first.taskId]);
    const tasks = await tasksOf(epd, job.invitationId);
    expect(tasks.map((t) => [t.status, t.statusReason?.coding?.[0]?.code, t.owner])).toEqual([
      ['on-hold', 'no-representative', undefined],
    ]);
    expect(() => expectAllowedReferenceTargets(tasks)).not.toThrow();
    expect(await epd.search('AuditEvent', {})).toEqual([]);
  });
});
