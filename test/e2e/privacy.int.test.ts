import { validateResource } from '@medplum/core';
import type { AuditEvent, Bundle, Patient, RelatedPerson, Resource } from '@medplum/fhirtypes';
import type { EpdClient } from '../../src/epd/epd-client.js';
import { EpdError } from '../../src/epd/epd-error.js';
import { createEpdClient } from '../../src/epd/fhir-epd-client.js';
import type { EventJobResult } from '../../src/events/event-job.js';
import { demoSteps, notificationFor } from '../../src/sandbox/demo-scenario.js';
import { startFhirSandbox, type FhirSandbox } from '../../src/sandbox/fhir-server.js';
import { medicationAgreement } from '../../src/sandbox/seed-patients.js';
import { type EmbeddedStack } from '../../src/sandbox/start-stack.js';
import { INVITATION_ID_SYSTEM } from '../../src/decision-aids/invitation-task-codes.js';
import { platformResult } from '../fixtures/results/result-fixtures.js';
import { freshChild, notify, refOf, settle, storeInEpd, tasksFor, startTestStack } from '../helpers/embedded.js';

/** Per hook and test: a stack start or a settle takes seconds on a loaded 2-core machine (jest's default is 5 s). */
const SLOW_MS = 30_000;

/** The hospital's own objection flag on the Patient, as OBJECTION_PATIENT_FHIRPATH reads it. */
const FLAG_URL = 'https://ziekenhuis.example.org/fhir/StructureDefinition/bezwaar-keuzehulp';

/**
 * An EPD client that loses the answer to the next `lostAnswers` AuditEvent writes after the server
 * stored them: the hardest retry, where the job cannot know its write went through.
 */
function answerLosingEpd(): {
  client: EpdClient;
  connect(baseUrl: string): void;
  lose(count: number): void;
  pending(): number;
} {
  let real: EpdClient | undefined;
  let lostAnswers = 0;
  const target = (): EpdClient => {
    if (!real) throw new Error('not connected to the sandbox yet');
    return real;
  };
  const client: EpdClient = {
    read: (reference) => target().read(reference),
    search: (type, params) => target().search(type, params),
    readBatch: (urls) => target().readBatch(urls),
    update: (resource, options) => target().update(resource, options),
    transaction: (bundle) => target().transaction(bundle),
    async createIfNoneExist(resource, ifNoneExist) {
      const result = await target().createIfNoneExist(resource, ifNoneExist);
      if (resource.resourceType === 'AuditEvent' && lostAnswers > 0) {
        lostAnswers -= 1;
        throw new EpdError('EPD POST AuditEvent: answer lost (injected)', {
          status: 0,
          retry: true,
          code: 'transient',
        });
      }
      return result;
    },
  };
  return {
    client,
    connect: (baseUrl) => (real = createEpdClient({ baseUrl, auth: { type: 'none' }, timeoutMs: 5_000 })),
    lose: (count) => (lostAnswers = count),
    pending: () => lostAnswers,
  };
}

async function search<T extends Resource>(baseUrl: string, query: string): Promise<T[]> {
  const bundle = (await (await fetch(`${baseUrl}/${query}`)).json()) as Bundle<T>;
  return (bundle.entry ?? []).map((e) => e.resource!);
}

/** The AuditEvents on a FHIR server that name one of these Tasks. */
async function auditEventsFor(baseUrl: string, taskIds: string[]): Promise<AuditEvent[]> {
  const all = await search<AuditEvent>(baseUrl, 'AuditEvent?_count=1000');
  return all.filter((e) => e.entity?.some((entity) => taskIds.includes(entity.what?.reference ?? '')));
}

async function eventResult(stack: EmbeddedStack, reference: string): Promise<EventJobResult | undefined> {
  const [job] = (await stack.service.queues.events.getCompleted()).filter((j) => j.data.reference === reference);
  return job?.returnvalue as EventJobResult | undefined;
}

/** A child of `age` at the seeded department with one mother; `extra` goes on the Patient, `parent` on the RelatedPerson. */
async function child(
  stack: EmbeddedStack,
  age: number,
  extra: Partial<Patient> = {},
  parent: Partial<RelatedPerson> = {},
): Promise<{ patient: string; parent: string }> {
  const birth = new Date();
  birth.setUTCFullYear(birth.getUTCFullYear() - age);
  birth.setUTCDate(birth.getUTCDate() - 30);
  const p = await storeInEpd(stack, {
    resourceType: 'Patient',
    birthDate: birth.toISOString().slice(0, 10),
    managingOrganization: { reference: stack.seed.department },
    ...extra,
  });
  const r = await storeInEpd(stack, {
    resourceType: 'RelatedPerson',
    patient: { reference: refOf(p) },
    relationship: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode', code: 'MTH' }] }],
    ...parent,
  });
  return { patient: refOf(p), parent: refOf(r) };
}

describe('privacy and audit end to end', () => {
  const epd = answerLosingEpd();
  let stack: EmbeddedStack;
  const medicationStep = () => demoSteps(stack.seed)[0]!;
  let event = 900;
  const send = async (patient: string, atc = 'R03BA05') => {
    const resource = await storeInEpd(stack, medicationAgreement(patient, { atc }));
    expect((await notify(stack, notificationFor(medicationStep(), resource, (event += 1)))).status).toBe(202);
    return resource;
  };

  beforeAll(async () => {
    stack = await startTestStack({
      env: { OBJECTION_PATIENT_FHIRPATH: `extension('${FLAG_URL}').valueBoolean`, AUDIT_SOURCE_ID: 'sdm-bridge-e2e' },
      overrides: { epd: epd.client },
    });
    epd.connect(stack.fhir.baseUrl);
  }, SLOW_MS);
  afterAll(async () => {
    await stack.close();
  }, SLOW_MS);

  it(
    'invites nobody when the patient objected in a Consent, and the events job says why',
    async () => {
      const resource = await send(stack.seed.patients.child14);
      await settle(stack);
      expect(await tasksFor(stack, refOf(resource))).toEqual([]);
      const result = await eventResult(stack, refOf(resource));
      expect(result?.objection).toEqual({
        source: stack.seed.objections.child14,
        reason: expect.stringMatching(/^patient objected: Consent\//),
      });
      expect(result?.skipped).toEqual([
        expect.objectContaining({ triggerId: 'astma-medicatiewijziging', code: 'objection' }),
      ]);
    },
    SLOW_MS,
  );

  it(
    'invites nobody when the EPD keeps the objection as a flag on the Patient',
    async () => {
      const flagged = await child(stack, 13, { extension: [{ url: FLAG_URL, valueBoolean: true }] });
      const resource = await send(flagged.patient);
      await settle(stack);
      expect(await tasksFor(stack, refOf(resource))).toEqual([]);
      expect((await eventResult(stack, refOf(resource)))?.objection?.source).toBe('Patient flag');
    },
    SLOW_MS,
  );

  it(
    'chooses the recipients by the age on the day: parents under 12, both from 12, the patient alone from 16',
    async () => {
      const cases = await Promise.all([9, 12, 15, 16].map(async (age) => ({ age, ...(await freshChild(stack, age)) })));
      const sent = [];
      for (const c of cases) sent.push({ ...c, resource: await send(c.patient, 'R03AK06') });
      await settle(stack);
      const owners = await Promise.all(
        sent.map(async (s) => (await tasksFor(stack, refOf(s.resource))).map((t) => t.owner?.reference).sort()),
      );
      expect(owners).toEqual([
        [sent[0]!.parent],
        [sent[1]!.patient, sent[1]!.parent].sort(),
        [sent[2]!.patient, sent[2]!.parent].sort(),
        [sent[3]!.patient],
      ]);
    },
    SLOW_MS,
  );

  it(
    'records an invitation for a recipient without a usable channel on hold, with the reason',
    async () => {
      const reachable = { telecom: [{ system: 'email' as const, value: 'ouder@example.org' }] };
      const family = await child(stack, 13, {}, reachable);
      const resource = await send(family.patient, 'R03DC03');
      await settle(stack);
      const tasks = await tasksFor(stack, refOf(resource));
      const byOwner = Object.fromEntries(tasks.map((t) => [t.owner?.reference, t]));
      expect(byOwner[family.parent]?.status).toBe('ready');
      expect(byOwner[family.patient]).toMatchObject({
        status: 'on-hold',
        statusReason: { coding: [{ code: 'no-contact-channel' }] },
        businessStatus: { coding: [{ code: 'contact-details-needed' }] },
      });
      for (const task of tasks) expect(() => validateResource(task)).not.toThrow();
      const [audit] = await auditEventsFor(stack.fhir.baseUrl, [`Task/${byOwner[family.patient]!.id}`]);
      expect(audit?.outcomeDesc).toMatch(/taak in wacht/);
    },
    SLOW_MS,
  );

  it(
    'writes one valid AuditEvent per invitation: what, when, which system, patient, resources, why, outcome',
    async () => {
      const family = await freshChild(stack, 14);
      const resource = await send(family.patient, 'R03AC02');
      await settle(stack);
      const tasks = await tasksFor(stack, refOf(resource));
      expect(tasks).toHaveLength(2);
      const events = await auditEventsFor(
        stack.fhir.baseUrl,
        tasks.map((t) => `Task/${t.id}`),
      );
      expect(events).toHaveLength(2);
      for (const audit of events) {
        expect(() => validateResource(audit)).not.toThrow();
        const task = tasks.find((t) => audit.entity?.some((e) => e.what?.reference === `Task/${t.id}`))!;
        expect(audit).toMatchObject({
          action: 'C',
          outcome: '0',
          subtype: [{ code: 'invitation-sent' }],
          source: { observer: { identifier: { value: 'sdm-bridge-e2e' } } },
        });
        expect(audit.entity?.map((e) => e.what?.reference)).toEqual([
          family.patient,
          `Task/${task.id}`,
          task.focus?.reference,
        ]);
        expect(audit.agent.find((a) => a.type?.coding?.[0]?.code === 'IRCP')?.who?.reference).toBe(
          task.owner?.reference,
        );
        expect(audit.agent[0]?.policy).toEqual(['https://sdm-bridge.org/fhir/trigger/astma-medicatiewijziging']);
        expect(audit.purposeOfEvent?.[1]?.coding?.[0]?.code).toBe('medication-change');
      }
      expect(await search<AuditEvent>(stack.fhir.baseUrl, `AuditEvent?patient=${family.patient}`)).toHaveLength(2);
    },
    SLOW_MS,
  );

  it(
    'writes no second AuditEvent when the job is retried after its audit write went through',
    async () => {
      const family = await freshChild(stack, 10);
      epd.lose(1);
      const resource = await send(family.patient, 'R03BA02');
      await settle(stack);
      const tasks = await tasksFor(stack, refOf(resource));
      expect(tasks.map((t) => t.owner?.reference)).toEqual([family.parent]);
      expect(await auditEventsFor(stack.fhir.baseUrl, [`Task/${tasks[0]!.id}`])).toHaveLength(1);
      const [job] = (await stack.service.queues.invitations.getCompleted()).filter((j) =>
        j.data.focus.startsWith(refOf(resource)),
      );
      // The first attempt failed after writing Task and AuditEvent; the retry found both.
      expect(job?.attemptsMade).toBe(2);
      expect(job?.returnvalue).toMatchObject({ created: false, auditEventId: expect.any(String) });
      expect(await stack.service.queues.invitations.getFailedCount()).toBe(0);
    },
    SLOW_MS,
  );

  it(
    'writes one AuditEvent per result written, none doubled when its answer was lost',
    async () => {
      const family = await freshChild(stack, 13);
      const resource = await send(family.patient, 'R03AK07');
      await settle(stack);
      const task = (await tasksFor(stack, refOf(resource))).find((t) => t.owner?.reference === family.parent)!;
      const invitationId = task.identifier!.find((i) => i.system === INVITATION_ID_SYSTEM)!.value!;
      epd.lose(1);
      await postResultAndWait(stack, invitationId, 'privacy-result-1');
      await postResultAndWait(stack, invitationId, 'privacy-result-1'); // the platform sends it again
      const results = (await auditEventsFor(stack.fhir.baseUrl, [`Task/${task.id}`])).filter(
        (e) => e.subtype?.[0]?.code === 'result-written',
      );
      expect(results).toHaveLength(1);
      expect(() => validateResource(results[0]!)).not.toThrow();
      expect(results[0]).toMatchObject({
        action: 'C',
        outcome: '0',
        agent: [{ requestor: true }, { who: { display: 'Keuzehulp astma voor kinderen en ouders' } }],
      });
      // The aid's own response, and the SDM-Q9 as its score only (a rating of the clinician keeps its answers out of the record).
      expect(results[0]!.entity?.map((e) => e.what?.type)).toEqual([
        'Patient',
        'Task',
        'QuestionnaireResponse',
        'Observation',
      ]);
      const completed = (await tasksFor(stack, refOf(resource))).find((t) => t.id === task.id)!;
      expect(completed.status).toBe('completed');
      expect(results[0]!.entity?.slice(2).map((e) => e.what?.reference)).toEqual(
        completed.output?.map((o) => o.valueReference?.reference),
      );
      expect(epd.pending()).toBe(0); // the answer to the result's audit write was lost once; the retry found the record
      expect(await stack.service.queues.results.getFailedCount()).toBe(0);
    },
    SLOW_MS,
  );
});

/** Posts a platform's result for an invitation and waits until the results worker is done with it. */
async function postResultAndWait(stack: EmbeddedStack, invitationId: string, resultId: string): Promise<void> {
  const res = await fetch(`${stack.service.url}/decision-aids/astma-kind/results`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.env.ASTMA_KEUZEHULP_TOKEN}` },
    body: JSON.stringify(platformResult(invitationId, { id: resultId })),
  });
  expect(res.status).toBe(202);
  for (let quiet = 0, deadline = Date.now() + 20_000; quiet < 2;) {
    if (Date.now() > deadline) throw new Error('results jobs still running');
    const counts = await stack.service.queues.results.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    quiet = Object.values(counts).every((n) => n === 0) ? quiet + 1 : 0;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('audit trail on its own FHIR server (AUDIT_BASE_URL)', () => {
  let stack: EmbeddedStack;
  let audit: FhirSandbox;
  beforeAll(async () => {
    audit = await startFhirSandbox();
    stack = await startTestStack({ env: { AUDIT_BASE_URL: audit.baseUrl } });
  }, SLOW_MS);
  afterAll(async () => {
    await stack.close();
    await audit.close();
  }, SLOW_MS);

  it(
    'writes the AuditEvents there and none in the EPD',
    async () => {
      const family = await freshChild(stack, 7);
      const resource = await storeInEpd(stack, medicationAgreement(family.patient, { atc: 'R03BA05' }));
      await notify(stack, notificationFor(demoSteps(stack.seed)[0]!, resource, 1));
      await settle(stack);
      const [task] = await tasksFor(stack, refOf(resource));
      expect(await auditEventsFor(audit.baseUrl, [`Task/${task!.id}`])).toHaveLength(1);
      expect(await search<AuditEvent>(stack.fhir.baseUrl, 'AuditEvent?_count=1000')).toEqual([]);
    },
    SLOW_MS,
  );
});
