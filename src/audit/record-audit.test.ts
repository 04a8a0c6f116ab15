import type { AuditEvent, Task } from '@medplum/fhirtypes';
import { createFakeEpdClient } from '../epd/fake-epd-client.js';
import type { InvitationJobData } from '../queue/job-types.js';
import type { DecisionAid, DeliveryConfig } from '../rules/types.js';
import { AppError } from '../shared/errors.js';
import { assertValidResource, loadFhirDefinitions } from '../shared/fhir-definitions.js';
import { createLogger } from '../shared/logger.js';
import { requestIdTag } from '../shared/request-id.js';
import { AUDIT_SYSTEMS } from './audit-codes.js';
import { auditKeyOf, buildInvitationAuditEvent, buildResultAuditEvent } from './build-audit-event.js';
import { assertAuditCodes } from './check-audit-codes.js';
import { recordInvitationAudit, recordResultAudit, type AuditDeps } from './record-audit.js';
import { withResultAudit } from './with-result-audit.js';

const NOW = new Date('2025-03-01T10:00:05.000Z');
const SOURCE = { sourceId: 'sdm-bridge-test', site: 'Testziekenhuis Midden' };

const httpApi: DeliveryConfig = {
  type: 'http-api',
  url: 'https://keuzehulp.example.org/api/invitations',
  auth: { type: 'none' },
  bodyTemplate: {},
  linkField: 'url',
  timeoutMs: 5000,
};
const signedLink: DeliveryConfig = {
  type: 'signed-link',
  baseUrl: 'https://tool.example.org/s',
  secret: 's',
  validForMs: 1000,
};

function aid(delivery: DeliveryConfig): DecisionAid {
  return {
    id: 'astma-kind',
    title: 'Keuzehulp astma',
    activityDefinition: 'https://keuzehulp.example.org/fhir/ActivityDefinition/astma-kind|2.1',
    koppeltaal: false,
    delivery,
  };
}

function job(role: 'patient' | 'guardian', invitationId = 'inv-0001'): InvitationJobData {
  return {
    invitationId,
    eventKey: 'hix|MedicationRequest/mr-1/_history/3',
    source: 'hix',
    triggerId: 'astma-medicatiewijziging',
    keyMoment: 'medication-change',
    decisionAidId: 'astma-kind',
    patient: 'Patient/kind-1',
    recipient: { role, reference: role === 'patient' ? 'Patient/kind-1' : 'RelatedPerson/moeder' },
    focus: 'MedicationRequest/mr-1/_history/3',
    occurredAt: '2025-03-01T09:00:00Z',
  };
}

const task = (status: Task['status'] = 'ready'): Task => ({
  resourceType: 'Task',
  id: 'task-1',
  status,
  intent: 'order',
  authoredOn: '2025-03-01T10:00:00.000Z',
  ...(status === 'on-hold' ? { statusReason: { text: 'geen e-mailadres of mobiel nummer' } } : {}),
});

const result = {
  resultKey: 'qr-77',
  patient: 'Patient/kind-1',
  task: 'Task/task-1',
  invitationId: 'inv-0001',
  keyMoment: 'evaluation' as const,
  triggerId: 'astma-evaluatie',
  decisionAidTitle: 'Keuzehulp astma',
  written: ['QuestionnaireResponse/qr-77', 'Observation/o-1'],
  writtenAt: '2025-03-02T08:00:00Z',
};

// Loading the FHIR definitions takes seconds on a busy machine: once, outside the 5 s of a test.
beforeAll(() => loadFhirDefinitions(), 30_000);

describe('AuditEvents of this service', () => {
  it.each<[string, AuditEvent]>([
    [
      'invitation to the patient over an http api',
      buildInvitationAuditEvent(SOURCE, { job: job('patient'), aid: aid(httpApi), task: task() }, NOW.toISOString()),
    ],
    [
      'invitation to a guardian by signed link, on hold',
      buildInvitationAuditEvent(
        SOURCE,
        { job: job('guardian'), aid: aid(signedLink), task: task('on-hold') },
        NOW.toISOString(),
      ),
    ],
    ['result written', buildResultAuditEvent(SOURCE, result, NOW.toISOString())],
    [
      'result that failed, without a task',
      buildResultAuditEvent(
        { sourceId: 'x' },
        { ...result, task: undefined, failure: 'Questionnaire unknown', written: [] },
        NOW.toISOString(),
      ),
    ],
  ])('%s passes validateResource and the code check', (_name, event) => {
    expect(() => assertValidResource(assertAuditCodes(event))).not.toThrow();
    expect(auditKeyOf(event)).toMatch(/^[0-9a-f]{40}$/);
  });

  it('says what, when, who, which patient and resources, why and the outcome of an invitation', () => {
    const event = buildInvitationAuditEvent(
      SOURCE,
      { job: job('guardian'), aid: aid(httpApi), task: task() },
      NOW.toISOString(),
    );
    expect(event).toMatchObject({
      subtype: [{ code: 'invitation-sent' }],
      action: 'C',
      recorded: NOW.toISOString(),
      period: { start: '2025-03-01T10:00:00.000Z' },
      outcome: '0',
      purposeOfEvent: [{ coding: [{ code: 'TREAT' }] }, { coding: [{ code: 'medication-change' }] }],
      source: { site: 'Testziekenhuis Midden', observer: { identifier: { value: 'sdm-bridge-test' } } },
    });
    expect(
      event.agent.map((a) => [a.type?.coding?.[0]?.code, a.who?.reference ?? a.who?.display, a.requestor]),
    ).toEqual([
      ['110150', 'sdm-bridge', true],
      ['IRCP', 'RelatedPerson/moeder', false],
      ['110152', 'Keuzehulp astma', false],
    ]);
    expect(event.agent[0]?.policy).toEqual([`${AUDIT_SYSTEMS.triggerPolicy}astma-medicatiewijziging`]);
    expect(event.agent[2]?.network).toEqual({ address: 'keuzehulp.example.org', type: '1' });
    expect(event.entity?.map((e) => e.what?.reference)).toEqual([
      'Patient/kind-1',
      'Task/task-1',
      'MedicationRequest/mr-1/_history/3',
    ]);
    expect(event.outcomeDesc).toMatch(/ouder of voogd bij medicatiewijziging \(trigger astma-medicatiewijziging\)/);
  });

  it('records a failed result write as a serious failure', () => {
    const event = buildResultAuditEvent(SOURCE, { ...result, failure: 'Questionnaire unknown' }, NOW.toISOString());
    expect(event.outcome).toBe('8');
    expect(event.outcomeDesc).toMatch(/niet vastgelegd: Questionnaire unknown/);
  });

  it.each<[string, Partial<AuditEvent>]>([
    ['an action outside the required binding', { action: 'X' as AuditEvent['action'] }],
    ['an outcome outside the required binding', { outcome: '3' as AuditEvent['outcome'] }],
    ['a type from another system', { type: { system: 'http://example.org', code: '110110' } }],
  ])('refuses %s', (_name, change) => {
    const event = { ...buildResultAuditEvent(SOURCE, result, NOW.toISOString()), ...change };
    expect(() => assertAuditCodes(event)).toThrow(AppError);
  });
});

describe('recordInvitationAudit / recordResultAudit', () => {
  const deps = (): AuditDeps & { client: ReturnType<typeof createFakeEpdClient> } => ({
    client: createFakeEpdClient(),
    source: SOURCE,
    now: () => NOW,
  });

  it('writes one AuditEvent per invitation however often the job runs', async () => {
    const d = deps();
    const first = await recordInvitationAudit(d, { job: job('patient'), aid: aid(httpApi), task: task() });
    const again = await recordInvitationAudit(d, { job: job('patient'), aid: aid(httpApi), task: task() });
    const other = await recordInvitationAudit(d, { job: job('guardian', 'inv-0002'), aid: aid(httpApi), task: task() });
    expect([first.created, again.created, other.created]).toEqual([true, false, true]);
    expect(again.auditEventId).toBe(first.auditEventId);
    expect(await d.client.search('AuditEvent', { patient: 'Patient/kind-1' })).toHaveLength(2);
  });

  it('writes one AuditEvent per result key, apart from the invitation of the same id', async () => {
    const d = deps();
    await recordInvitationAudit(d, { job: job('patient'), aid: aid(httpApi), task: task() });
    const first = await recordResultAudit(d, result);
    const again = await recordResultAudit(d, result);
    expect([first.created, again.created]).toEqual([true, false]);
    expect(await d.client.search('AuditEvent', {})).toHaveLength(2);
  });

  it('lets a transient EPD failure through, so the job retries', async () => {
    const d = deps();
    d.client.failNext(1);
    await expect(recordResultAudit(d, result)).rejects.toMatchObject({ retry: true });
    expect((await recordResultAudit(d, result)).created).toBe(true);
  });
});

describe('withResultAudit', () => {
  const job = {
    resultKey: 'astma-kind|r-1',
    decisionAidId: 'astma-kind',
    invitationId: 'inv-0001',
    task: 'Task/task-1',
    patient: 'Patient/kind-1',
    author: { role: 'guardian' as const, reference: 'RelatedPerson/moeder' },
    receivedAt: '2025-03-02T08:00:00Z',
    responses: [],
  };
  const ctx = { log: createLogger({ level: 'silent' }), jobId: 'res-1', attempt: 1, maxAttempts: 3 };

  it('records each result once, after the write, naming its outputs (responses and scores in place of one), with the aid title', async () => {
    const deps: AuditDeps = { client: createFakeEpdClient(), source: SOURCE, now: () => NOW };
    const handler = withResultAudit(
      async () => ({ outputs: ['QuestionnaireResponse/qr-1', 'Observation/sdm-q9-total-1'] }),
      deps,
      () => 'Keuzehulp astma',
    );
    await handler(job, ctx);
    await handler(job, ctx);
    const events = await deps.client.search<AuditEvent>('AuditEvent', {});
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      subtype: [{ code: 'result-written' }],
      agent: [{}, { who: { display: 'Keuzehulp astma' } }],
    });
    expect(events[0]?.entity?.map((e) => e.what?.reference)).toEqual([
      'Patient/kind-1',
      'Task/task-1',
      'QuestionnaireResponse/qr-1',
      'Observation/sdm-q9-total-1',
    ]);
  });

  it('tags the record with the request that posted the result, so trace finds it', async () => {
    const deps: AuditDeps = { client: createFakeEpdClient(), source: SOURCE, now: () => NOW };
    const handler = withResultAudit(async () => ({ outputs: ['QuestionnaireResponse/qr-1'] }), deps);
    await handler({ ...job, requestId: 'platform-req-42' }, ctx);
    const [event] = await deps.client.search<AuditEvent>('AuditEvent', {});
    expect(event?.meta?.tag).toContainEqual(requestIdTag('platform-req-42'));
    expect(() => assertValidResource(event!)).not.toThrow();
  });

  it('records nothing when the write fails', async () => {
    const deps: AuditDeps = { client: createFakeEpdClient(), source: SOURCE, now: () => NOW };
    const handler = withResultAudit(async () => Promise.reject(new Error('EPD down')), deps);
    await expect(handler(job, ctx)).rejects.toThrow('EPD down');
    expect(await deps.client.search('AuditEvent', {})).toEqual([]);
  });
});
