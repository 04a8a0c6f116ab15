import type { MedicationRequest, Patient, Task } from '@medplum/fhirtypes';
import { EpdError } from '../epd/epd-error.js';
import { createFakeEpdClient, type FakeEpdClient } from '../epd/fake-epd-client.js';
import type { JobContext } from '../queue/create-worker.js';
import type { InvitationJobData } from '../queue/job-types.js';
import type { CompiledMappings } from '../rules/compile-mappings.js';
import type { DecisionAid, DeliveryConfig } from '../rules/types.js';
import { createLogger } from '../shared/logger.js';
import { invitationLinkOf, invitationTaskQuery } from './build-invitation-task.js';
import { DecisionAidError } from './decision-aid-error.js';
import { createHttpApiAdapter } from './http-api-adapter.js';
import type { InvitationAdapter, InvitationRequest } from './invitation-adapter.js';
import { createInvitationJob, type InvitationJobDeps } from './invitation-job.js';

const NOW = new Date('2025-03-01T10:00:05.000Z');
const LINK = 'https://keuzehulp.example.org/start/abc';

const httpApi: Extract<DeliveryConfig, { type: 'http-api' }> = {
  type: 'http-api',
  url: 'https://keuzehulp.example.org/api/invitations',
  auth: { type: 'none' },
  bodyTemplate: { id: '${invitationId}' },
  linkField: 'invitation.url',
  timeoutMs: 5000,
};
const aid: DecisionAid = {
  id: 'astma-kind',
  title: 'Keuzehulp astma',
  activityDefinition: 'https://keuzehulp.example.org/fhir/ActivityDefinition/astma-kind|2.1',
  koppeltaal: false,
  delivery: httpApi,
};
const mappings = { decisionAids: new Map([[aid.id, aid]]) } as unknown as CompiledMappings;

function context(attempt = 1, maxAttempts = 3): JobContext {
  return { log: createLogger({ level: 'silent' }), jobId: 'inv-1', attempt, maxAttempts };
}

/** A child with an e-mail address and an active MedicationRequest: the change an invitation is about. */
async function seed(epd: FakeEpdClient): Promise<InvitationJobData> {
  const patient = await epd.repo.createResource<Patient>({
    resourceType: 'Patient',
    telecom: [{ system: 'email', value: 'ouder@example.org' }],
  });
  const request = await epd.repo.createResource<MedicationRequest>({
    resourceType: 'MedicationRequest',
    status: 'active',
    intent: 'order',
    subject: { reference: `Patient/${patient.id}` },
    medicationCodeableConcept: { text: 'budesonide' },
  });
  return {
    invitationId: 'inv-0001',
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

async function invitationTasks(epd: FakeEpdClient, invitationId: string): Promise<Task[]> {
  return epd.search<Task>('Task', Object.fromEntries(new URLSearchParams(invitationTaskQuery(invitationId))));
}

function deps(epd: FakeEpdClient, adapter: InvitationAdapter): InvitationJobDeps {
  return {
    epd,
    getMappings: () => mappings,
    adapterFor: () => adapter,
    pseudonymSecret: 'pseudonym-secret-for-tests',
    contactKeySecret: 'contact-key-secret-for-tests',
    now: () => NOW,
    audit: { client: epd, source: { sourceId: 'sdm-bridge-test' }, now: () => NOW },
  };
}

/** A platform stand-in that notes what the EPD held when it was called. */
function platform(epd: FakeEpdClient, answer: () => Promise<unknown>) {
  const calls: { request: InvitationRequest; taskStatuses: string[] }[] = [];
  const adapter = createHttpApiAdapter(aid, httpApi, {
    fetch: async (_url, init) => {
      const key = new Headers(init?.headers).get('idempotency-key') ?? '';
      const tasks = await invitationTasks(epd, key);
      calls.push({ request: { invitationId: key } as InvitationRequest, taskStatuses: tasks.map((t) => t.status) });
      return new Response(JSON.stringify(await answer()), { status: 200 });
    },
  });
  return { adapter, calls };
}

describe('invitation job: the Task before the platform', () => {
  let epd: FakeEpdClient;
  beforeEach(() => {
    epd = createFakeEpdClient();
  });

  it('writes the Task requested, calls the platform with the invitation id as key, then makes it ready', async () => {
    const job = await seed(epd);
    const { adapter, calls } = platform(epd, async () => ({ invitation: { id: 'p-1', url: LINK } }));
    const result = await createInvitationJob(deps(epd, adapter))(job, context());
    expect(calls).toEqual([{ request: { invitationId: 'inv-0001' }, taskStatuses: ['requested'] }]);
    const [task, ...others] = await invitationTasks(epd, job.invitationId);
    expect(others).toEqual([]);
    expect(task).toMatchObject({ id: result.taskId, status: 'ready' });
    expect(invitationLinkOf(task!)).toBe(LINK);
    expect(task?.meta?.versionId).not.toBe(undefined);
    expect(result).toMatchObject({ created: true, onHold: false });
  });

  it('leaves the Task on hold with a reason when the answer has no usable link; a replay makes it ready', async () => {
    const job = await seed(epd);
    let answer: unknown = { id: 'p-1', url: LINK }; // the mapping expects invitation.url
    const { adapter, calls } = platform(epd, async () => answer);
    const run = createInvitationJob(deps(epd, adapter));
    await expect(run(job, context())).rejects.toMatchObject({ retry: false, linkMissing: true });
    const [held] = await invitationTasks(epd, job.invitationId);
    expect(held?.status).toBe('on-hold');
    expect(held?.statusReason?.coding?.[0]?.code).toBe('no-usable-link');
    expect(JSON.stringify(held?.statusReason)).not.toContain(job.patient.split('/')[1]);
    expect(invitationLinkOf(held!)).toBeUndefined();

    answer = { invitation: { id: 'p-1', url: LINK } }; // the mapping is fixed, the job replayed
    const replayed = await run(job, context());
    const tasks = await invitationTasks(epd, job.invitationId);
    expect(tasks.map((t) => [t.id, t.status, t.statusReason])).toEqual([[held?.id, 'ready', undefined]]);
    expect(replayed.taskId).toBe(held?.id);
    expect(calls.map((c) => c.request.invitationId)).toEqual(['inv-0001', 'inv-0001']);
  });

  it('finishes on a retry when the Task update failed after the platform answered, with one Task', async () => {
    const job = await seed(epd);
    const { adapter, calls } = platform(epd, async () => ({ invitation: { url: LINK } }));
    const run = createInvitationJob(deps(epd, adapter));
    const update = epd.update.bind(epd);
    let failUpdates = 1;
    epd.update = async (resource, options) => {
      if (resource.resourceType === 'Task' && failUpdates-- > 0)
        throw new EpdError('EPD unavailable (injected)', { status: 503, retry: true, code: 'transient' });
      return update(resource, options);
    };
    await expect(run(job, context())).rejects.toMatchObject({ retry: true });
    expect((await invitationTasks(epd, job.invitationId)).map((t) => t.status)).toEqual(['requested']);
    await run(job, context(2));
    expect((await invitationTasks(epd, job.invitationId)).map((t) => t.status)).toEqual(['ready']);
    expect(calls).toHaveLength(2); // the same Idempotency-Key both times: one invitation at the platform
  });

  it('puts the Task on hold when the last attempt cannot reach the platform, not before', async () => {
    const job = await seed(epd);
    const unreachable: InvitationAdapter = {
      createInvitation: async () => {
        throw new DecisionAidError('decision aid astma-kind: platform answered 503', {
          status: 502,
          retry: true,
          code: 'transient',
        });
      },
    };
    const run = createInvitationJob(deps(epd, unreachable));
    await expect(run(job, context(1, 2))).rejects.toThrow('503');
    expect((await invitationTasks(epd, job.invitationId))[0]?.status).toBe('requested');
    await expect(run(job, context(2, 2))).rejects.toThrow('503');
    const [task] = await invitationTasks(epd, job.invitationId);
    expect([task?.status, task?.statusReason?.coding?.[0]?.code]).toEqual(['on-hold', 'platform-unreachable']);
  });

  it.each<[string, (epd: FakeEpdClient, reference: string) => Promise<unknown>, string]>([
    ['deleted', (e, ref) => e.repo.deleteResource('MedicationRequest', ref.split('/')[1]!), 'deleted'],
    ['cancelled', (e, ref) => setStatus(e, ref, 'cancelled'), 'cancelled'],
    ['entered in error', (e, ref) => setStatus(e, ref, 'entered-in-error'), 'entered-in-error'],
  ])('invites nobody when the change was %s during the reflection time', async (_name, withdraw, expected) => {
    const job = await seed(epd);
    const { adapter, calls } = platform(epd, async () => ({ invitation: { url: LINK } }));
    await withdraw(epd, job.focus);
    const result = await createInvitationJob(deps(epd, adapter))(job, context());
    expect(result.withdrawn).toBe(expected);
    expect(calls).toEqual([]);
    expect(await invitationTasks(epd, job.invitationId)).toEqual([]);
  });

  it('cancels the Task an earlier attempt wrote when the change is withdrawn before the retry', async () => {
    const job = await seed(epd);
    const failing: InvitationAdapter = {
      createInvitation: async () => {
        throw new DecisionAidError('timeout', { status: 504, retry: true, code: 'timeout' });
      },
    };
    await expect(createInvitationJob(deps(epd, failing))(job, context())).rejects.toThrow('timeout');
    await setStatus(epd, job.focus, 'cancelled');
    const { adapter, calls } = platform(epd, async () => ({ invitation: { url: LINK } }));
    await createInvitationJob(deps(epd, adapter))(job, context(2));
    expect(calls).toEqual([]);
    const [task] = await invitationTasks(epd, job.invitationId);
    expect([task?.status, task?.statusReason?.coding?.[0]?.code]).toEqual(['cancelled', 'change-cancelled']);
  });
});

async function setStatus(epd: FakeEpdClient, focus: string, status: MedicationRequest['status']): Promise<void> {
  const current = await epd.read<MedicationRequest>(focus.split('/_history/')[0]!);
  await epd.repo.updateResource<MedicationRequest>({ ...current, status });
}
