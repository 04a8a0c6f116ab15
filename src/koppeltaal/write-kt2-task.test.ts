import type { AuditEvent, Patient, Task } from '@medplum/fhirtypes';
import { kt2Problems } from '../../test/helpers/kt2-profiles.js';
import { createFakeEpdClient, type FakeEpdClient } from '../epd/fake-epd-client.js';
import type { InvitationJobData } from '../queue/job-types.js';
import type { DecisionAid } from '../rules/types.js';
import { BSN_SYSTEM } from './koppeltaal-settings.js';
import { writeKt2Task, type Kt2WriteDeps } from './write-kt2-task.js';

const NOW = new Date('2025-03-01T10:00:05.000Z');
const aid: DecisionAid = {
  id: 'astma-kind',
  title: 'Keuzehulp astma',
  activityDefinition: 'https://keuzehulp.example.org/fhir/ActivityDefinition/astma-kind|2.1',
  koppeltaal: true,
  delivery: {
    type: 'signed-link',
    baseUrl: 'https://keuzehulp.example.org/start',
    secret: 'x'.repeat(32),
    validForMs: 1000,
  },
};
const epdTask: Task = { resourceType: 'Task', id: 'epd-task', status: 'ready', intent: 'order' };

async function setUp(): Promise<{
  epd: FakeEpdClient;
  store: FakeEpdClient;
  deps: Kt2WriteDeps;
  job: InvitationJobData;
}> {
  const epd = createFakeEpdClient();
  const store = createFakeEpdClient();
  const patient = await epd.repo.createResource<Patient>({
    resourceType: 'Patient',
    identifier: [{ system: BSN_SYSTEM, value: '999911120' }],
    name: [{ use: 'official', family: 'Jansen', given: ['Sanne'] }],
    gender: 'female',
    birthDate: '2012-04-01',
  });
  const job: InvitationJobData = {
    invitationId: 'inv-0001',
    eventKey: 'evt',
    source: 'hix',
    triggerId: 'astma-medicatiewijziging',
    keyMoment: 'medication-change',
    decisionAidId: aid.id,
    patient: `Patient/${patient.id}`,
    recipient: { role: 'patient', reference: `Patient/${patient.id}` },
    focus: 'MedicationRequest/1/_history/1',
    occurredAt: '2025-03-01T09:00:00Z',
  };
  const deps = { store, epd, settings: { deviceId: 'dev-1', patientIdentifierSystem: BSN_SYSTEM }, now: () => NOW };
  return { epd, store, deps, job };
}

describe('writeKt2Task', () => {
  it('writes a conforming KT2Task for the store’s own Patient, and its KT2AuditEvent', async () => {
    const { store, deps, job } = await setUp();
    const result = await writeKt2Task(deps, { job, aid, epdTask });
    const [patient] = await store.search<Patient>('Patient', {});
    const task = await store.read<Task>(`Task/${result.taskId}`);
    const audit = await store.read<AuditEvent>(`AuditEvent/${result.auditEventId}`);
    expect(result.created).toBe(true);
    expect(task.for?.reference).toBe(`Patient/${patient?.id}`);
    expect(task.for?.reference).not.toBe(job.patient); // the store's id, never the EPD's
    expect(kt2Problems(task, 'KT2Task')).toEqual([]);
    expect(kt2Problems(audit, 'KT2AuditEvent')).toEqual([]);
    expect(audit.entity?.[0]?.what?.reference).toBe(`Task/${task.id}`);
  });

  it('finds a Patient the store already has by BSN and sends no personal data then', async () => {
    const { store, deps, job } = await setUp();
    const known = await store.repo.createResource<Patient>({
      resourceType: 'Patient',
      identifier: [{ system: BSN_SYSTEM, value: '999911120' }],
    });
    const result = await writeKt2Task(deps, { job, aid, epdTask });
    expect((await store.read<Task>(`Task/${result.taskId}`)).owner?.reference).toBe(`Patient/${known.id}`);
    expect(store.calls.filter((call) => call.method === 'createIfNoneExist').map((call) => call.target)).toEqual([
      'Task',
      'AuditEvent',
    ]);
  });

  it('writes nothing twice when run again', async () => {
    const { store, deps, job } = await setUp();
    const first = await writeKt2Task(deps, { job, aid, epdTask });
    const again = await writeKt2Task(deps, { job, aid, epdTask });
    expect(again).toEqual({ ...first, created: false });
    expect(await store.search('Task', {})).toHaveLength(1);
    expect(await store.search('AuditEvent', {})).toHaveLength(1);
    expect(await store.search('Patient', {})).toHaveLength(1);
  });

  it('mirrors a care-team Task on hold', async () => {
    const { store, deps, job } = await setUp();
    const result = await writeKt2Task(deps, { job, aid, epdTask: { ...epdTask, status: 'on-hold' } });
    expect((await store.read<Task>(`Task/${result.taskId}`)).status).toBe('on-hold');
  });

  it('refuses for good an invitation for a guardian: KT2Task v0.8 has no RelatedPerson owner', async () => {
    const { store, deps, job } = await setUp();
    const forGuardian = { ...job, recipient: { role: 'guardian' as const, reference: 'RelatedPerson/1' } };
    await expect(writeKt2Task(deps, { job: forGuardian, aid, epdTask })).rejects.toMatchObject({ retry: false });
    expect(store.calls).toEqual([]);
  });

  it('passes a store failure on as retryable', async () => {
    const { store, deps, job } = await setUp();
    store.failNext(1);
    const failure = writeKt2Task(deps, { job, aid, epdTask });
    await expect(failure).rejects.toMatchObject({ retry: true, status: 503 });
    await expect(failure).rejects.toThrow(/^Koppeltaal store: /); // which server failed, for whoever reads the job
  });
});
