import type { MedicationRequest, Patient, Task } from '@medplum/fhirtypes';
import { invitationTaskQuery } from '../decision-aids/build-invitation-task.js';
import type { InvitationAdapter } from '../decision-aids/invitation-adapter.js';
import { createInvitationJob, type InvitationJobDeps } from '../decision-aids/invitation-job.js';
import { createFakeEpdClient, type FakeEpdClient } from '../epd/fake-epd-client.js';
import type { JobContext } from '../queue/create-worker.js';
import type { InvitationJobData } from '../queue/job-types.js';
import type { CompiledMappings } from '../rules/compile-mappings.js';
import type { DecisionAid } from '../rules/types.js';
import { createLogger } from '../shared/logger.js';
import { BSN_SYSTEM } from './koppeltaal-settings.js';
import { writeKt2Task } from './write-kt2-task.js';

// The invitation job with a Koppeltaal aid, on fakes: the EPD first, the Koppeltaal store last.
const NOW = new Date('2025-03-01T10:00:05.000Z');
const kt2Aid: DecisionAid = {
  id: 'astma-kt2',
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
const plainAid: DecisionAid = { ...kt2Aid, id: 'astma-plain', koppeltaal: false };
const mappings = {
  decisionAids: new Map([kt2Aid, plainAid].map((aid) => [aid.id, aid])),
} as unknown as CompiledMappings;

const context = (attempt = 1): JobContext => ({
  log: createLogger({ level: 'silent' }),
  jobId: 'inv-1',
  attempt,
  maxAttempts: 3,
});

let epd: FakeEpdClient;
let store: FakeEpdClient;
let platformCalls: number;
const adapter: InvitationAdapter = {
  createInvitation: async (request) => {
    platformCalls += 1;
    return { link: `https://keuzehulp.example.org/start/${request.invitationId}` };
  },
};

beforeEach(() => {
  epd = createFakeEpdClient();
  store = createFakeEpdClient();
  platformCalls = 0;
});

function deps(withStore = true): InvitationJobDeps {
  const kt2 = { store, epd, settings: { deviceId: 'dev-1', patientIdentifierSystem: BSN_SYSTEM }, now: () => NOW };
  return {
    epd,
    getMappings: () => mappings,
    adapterFor: () => adapter,
    pseudonymSecret: 'pseudonym-secret-for-tests',
    contactKeySecret: 'contact-key-secret-for-tests',
    now: () => NOW,
    audit: { client: epd, source: { sourceId: 'sdm-bridge-test' }, now: () => NOW },
    ...(withStore ? { koppeltaal: (input) => writeKt2Task(kt2, input) } : {}),
  };
}

async function seed(aid: DecisionAid): Promise<InvitationJobData> {
  const patient = await epd.repo.createResource<Patient>({
    resourceType: 'Patient',
    identifier: [{ system: BSN_SYSTEM, value: '999911120' }],
    name: [{ use: 'official', family: 'Jansen', given: ['Sanne'] }],
    gender: 'female',
    birthDate: '2012-04-01',
    telecom: [{ system: 'email', value: 'sanne@example.org' }],
  });
  const request = await epd.repo.createResource<MedicationRequest>({
    resourceType: 'MedicationRequest',
    status: 'active',
    intent: 'order',
    subject: { reference: `Patient/${patient.id}` },
    medicationCodeableConcept: { text: 'budesonide' },
  });
  return {
    invitationId: `inv-${aid.id}`,
    eventKey: 'evt',
    source: 'hix',
    triggerId: 'astma-medicatiewijziging',
    keyMoment: 'medication-change',
    decisionAidId: aid.id,
    patient: `Patient/${patient.id}`,
    recipient: { role: 'patient', reference: `Patient/${patient.id}` },
    focus: `MedicationRequest/${request.id}/_history/${request.meta?.versionId}`,
    occurredAt: '2025-03-01T09:00:00Z',
  };
}

const epdTasks = (job: InvitationJobData) =>
  epd.search<Task>('Task', Object.fromEntries(new URLSearchParams(invitationTaskQuery(job.invitationId))));

describe('invitation job with a Koppeltaal aid', () => {
  it('keeps the care team’s Task in the EPD and writes the KT2Task and its AuditEvent to the store', async () => {
    const job = await seed(kt2Aid);
    const result = await createInvitationJob(deps())(job, context());
    expect((await epdTasks(job)).map((t) => [t.id, t.status])).toEqual([[result.taskId, 'ready']]);
    const [kt2Task] = await store.search<Task>('Task', {});
    expect(result.koppeltaalTaskId).toBe(kt2Task?.id);
    expect(kt2Task?.focus).toBeUndefined();
    expect(await store.search('AuditEvent', {})).toHaveLength(1);
  });

  it('retries when the store is down, without a second EPD Task or platform call, and loses nothing', async () => {
    const job = await seed(kt2Aid);
    const run = createInvitationJob(deps());
    store.failNext(1);
    await expect(run(job, context())).rejects.toMatchObject({ retry: true });
    expect((await epdTasks(job)).map((t) => t.status)).toEqual(['ready']);
    expect(await store.search('Task', {})).toEqual([]);
    const retried = await run(job, context(2));
    expect(retried.koppeltaalTaskId).toBeDefined();
    expect(await epdTasks(job)).toHaveLength(1);
    expect(await store.search('Task', {})).toHaveLength(1);
    expect(platformCalls).toBe(1);
  });

  it('fails for good without a configured store, after the care team’s Task is written', async () => {
    const job = await seed(kt2Aid);
    await expect(createInvitationJob(deps(false))(job, context())).rejects.toMatchObject({
      retry: false,
      message: expect.stringContaining('no Koppeltaal store is configured'),
    });
    expect((await epdTasks(job)).map((t) => t.status)).toEqual(['ready']);
  });

  it('leaves the store alone for an aid without koppeltaal', async () => {
    const job = await seed(plainAid);
    const result = await createInvitationJob(deps())(job, context());
    expect(result.koppeltaalTaskId).toBeUndefined();
    expect(store.calls).toEqual([]);
  });
});
