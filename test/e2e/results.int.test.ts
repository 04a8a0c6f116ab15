import type { Bundle, Observation, QuestionnaireResponse, Resource, Task } from '@medplum/fhirtypes';
import { INVITATION_ID_SYSTEM } from '../../src/decision-aids/invitation-task-codes.js';
import type { EpdClient } from '../../src/epd/epd-client.js';
import { EpdError } from '../../src/epd/epd-error.js';
import { createEpdClient } from '../../src/epd/fhir-epd-client.js';
import { invitationTaskOf } from '../../src/pro/build-result-resources.js';
import { INVITATION_EXTENSION } from '../../src/pro/pro-codes.js';
import { expectAllowedReferenceTargets } from '../helpers/reference-targets.js';
import { platformResult, questionnaireUrl } from '../fixtures/results/result-fixtures.js';
import { demoSteps, notificationFor } from '../../src/sandbox/demo-scenario.js';
import { medicationAgreement } from '../../src/sandbox/seed-patients.js';
import { type EmbeddedStack } from '../../src/sandbox/start-stack.js';
import { assertValidResource } from '../../src/shared/fhir-definitions.js';
import { freshChild, notify, refOf, settle, storeInEpd, tasksFor, startTestStack } from '../helpers/embedded.js';

/**
 * An EPD client in front of the sandbox whose next transactions can fail: before the server sees
 * them (`fail`), or after it stored them with the answer lost (`lose`), the hardest retry.
 */
function faultyEpd() {
  let real: EpdClient | undefined;
  const faults: ('fail' | 'lose')[] = [];
  let injected = 0;
  const target = (): EpdClient => {
    if (!real) throw new Error('not connected to the sandbox yet');
    return real;
  };
  const client: EpdClient = {
    read: (reference) => target().read(reference),
    search: (type, params) => target().search(type, params),
    readBatch: (urls) => target().readBatch(urls),
    update: (resource, options) => target().update(resource, options),
    createIfNoneExist: (resource, query) => target().createIfNoneExist(resource, query),
    async transaction(bundle) {
      const fault = faults.shift();
      if (fault === 'fail') injected += 1;
      if (fault === 'fail')
        throw new EpdError('EPD POST transaction failed with HTTP 503 (injected)', {
          status: 503,
          retry: true,
          code: 'transient',
        });
      const answer = await target().transaction(bundle);
      if (fault === 'lose') injected += 1;
      if (fault === 'lose')
        throw new EpdError('EPD POST transaction: answer lost (injected)', {
          status: 0,
          retry: true,
          code: 'transient',
        });
      return answer;
    },
  };
  return {
    client,
    connect: (baseUrl: string) => {
      real = createEpdClient({ baseUrl, auth: { type: 'none' }, timeoutMs: 10_000 });
    },
    /** The coming transactions: `ok` passes one through, `fail`/`lose` injects a fault. */
    plan: (...next: ('ok' | 'fail' | 'lose')[]) =>
      faults.push(...next.map((f) => (f === 'ok' ? (undefined as never) : f))),
    injected: () => injected,
  };
}

/** Per test and hook: a stack start or an invitation round trip takes seconds on a busy 2-core machine. */
const SLOW_MS = 60_000;

describe('results end to end: invitation → result → record', () => {
  let stack: EmbeddedStack;
  const epd = faultyEpd();
  let eventNumber = 900;
  beforeAll(async () => {
    stack = await startTestStack({ overrides: { epd: epd.client } });
    epd.connect(stack.fhir.baseUrl);
  }, SLOW_MS);
  afterAll(async () => {
    await stack.close();
  }, SLOW_MS);

  /** A 13-year-old (or `age`) and a parent, invited after a medication change: their invitation Tasks. */
  async function invite(age = 13): Promise<{ child: Task; parent: Task }> {
    const { patient, parent } = await freshChild(stack, age);
    const resource = await storeInEpd(stack, medicationAgreement(patient, { atc: 'R03BA05' }));
    await notify(stack, notificationFor(demoSteps(stack.seed)[0]!, resource, (eventNumber += 1)));
    await settle(stack);
    const tasks = await tasksFor(stack, refOf(resource));
    return {
      child: tasks.find((t) => t.owner?.reference === patient)!,
      parent: tasks.find((t) => t.owner?.reference === parent)!,
    };
  }

  const invitationIdOf = (task: Task) => task.identifier!.find((i) => i.system === INVITATION_ID_SYSTEM)!.value!;

  async function postResult(
    body: unknown,
    aidId = 'astma-kind',
  ): Promise<{
    status: number;
    body: { issue: { code: string; details: { text: string }; expression?: string[] }[] };
  }> {
    const res = await fetch(`${stack.service.url}/decision-aids/${aidId}/results`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.env.ASTMA_KEUZEHULP_TOKEN}` },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as never };
  }

  /** Waits until no results job is waiting, active or delayed (twice in a row). */
  async function resultsWritten(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (let quiet = 0; quiet < 2;) {
      if (Date.now() > deadline) throw new Error('results jobs still running');
      const counts = await stack.service.queues.results.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      quiet = Object.values(counts).every((n) => n === 0) ? quiet + 1 : 0;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async function search<T extends Resource>(query: string): Promise<T[]> {
    const bundle = (await (await fetch(`${stack.fhir.baseUrl}/${query}`)).json()) as Bundle<T>;
    return (bundle.entry ?? []).map((e) => e.resource!);
  }

  /** What the record holds for an invitation: its Task, its responses, their Observations and the scores it names itself. */
  async function recordOf(task: Task) {
    const current = (await search<Task>(`Task?_id=${task.id}`))[0]!;
    const responses = (await search<QuestionnaireResponse>('QuestionnaireResponse?_count=1000')).filter(
      (r) => invitationTaskOf(r) === `Task/${task.id}`,
    );
    const refs = new Set([
      ...responses.map((r) => `QuestionnaireResponse/${r.id}`),
      ...(current.output ?? []).map((o) => o.valueReference?.reference ?? ''),
    ]);
    const observations = (await search<Observation>('Observation?_count=1000')).filter(
      (o) => refs.has(o.derivedFrom?.[0]?.reference ?? '') || refs.has(`Observation/${o.id}`),
    );
    return { task: current, responses, observations };
  }

  /** The C-ACT answers of a parent and a child of 4-11: with it a result is 11 resources, two transactions. */
  const C_ACT = { q1: 2, q2: 3, q3: 2, q4: 3, q5: 4, q6: 5, q7: 3 };

  it(
    'writes what the storage policy says, and completes the Task: all valid FHIR',
    async () => {
      const { parent } = await invite();
      const answer = await postResult(platformResult(invitationIdOf(parent), { id: 'e2e-parent' }));
      expect(answer.status).toBe(202);
      await resultsWritten();
      const record = await recordOf(parent);
      // The choice form as its response only; the parent's SDM-Q9 (a rating of the clinician) as its score only.
      expect(record.responses.map((r) => r.questionnaire).sort()).toEqual([questionnaireUrl('keuzeformulier')]);
      for (const response of record.responses) {
        expect(response).toMatchObject({
          status: 'completed',
          subject: { reference: parent.for!.reference },
          author: { reference: parent.owner!.reference },
        });
        expect(response.basedOn).toBeUndefined();
        expect(invitationTaskOf(response)).toBe(`Task/${parent.id}`);
      }
      expect(() =>
        expectAllowedReferenceTargets([record.task, ...record.responses, ...record.observations]),
      ).not.toThrow();
      expect(record.observations.map((o) => o.code.coding?.[0]?.code)).toEqual(['sdm-q9-total']);
      const score = record.observations[0]!;
      expect(score.valueQuantity?.value).toBe(82.2); // raw 37 × 20/9
      expect(score.text?.div).toContain('SDM-Q9 totaalscore: 82,2 van 100');
      expect(record.task.status).toBe('completed');
      expect(record.task.output?.map((o) => o.valueReference?.reference).sort()).toEqual(
        [...record.responses.map((r) => `QuestionnaireResponse/${r.id}`), `Observation/${score.id}`].sort(),
      );
      for (const resource of [record.task, ...record.responses, ...record.observations]) {
        expect(() => assertValidResource(resource)).not.toThrow();
        expect(resource.text?.div).toMatch(/^<div xmlns="http:\/\/www\.w3\.org\/1999\/xhtml">/);
      }
    },
    SLOW_MS,
  );

  it(
    'writes nothing new when the same result arrives twice',
    async () => {
      const { parent } = await invite();
      const body = platformResult(invitationIdOf(parent), { id: 'e2e-twice' });
      expect((await postResult(body)).status).toBe(202);
      await resultsWritten();
      const first = await recordOf(parent);
      expect((await postResult(body)).status).toBe(202);
      await resultsWritten();
      const second = await recordOf(parent);
      expect([second.responses.length, second.observations.length]).toEqual([
        first.responses.length,
        first.observations.length,
      ]);
      expect(second.task.meta?.versionId).toBe(first.task.meta?.versionId);
      expect(await stack.service.queues.results.getFailedCount()).toBe(0);
    },
    SLOW_MS,
  );

  it(
    'takes a FHIR QuestionnaireResponse posted directly, in the patient wording, from a 16-year-old',
    async () => {
      const { child } = await invite(16);
      const response: QuestionnaireResponse = {
        resourceType: 'QuestionnaireResponse',
        identifier: { system: 'https://keuzehulp.example.org/results', value: `direct-${child.id}` },
        questionnaire: questionnaireUrl('sdm-q9'),
        status: 'completed',
        authored: new Date().toISOString(), // the age rule reads the age on this day
        extension: [
          {
            url: INVITATION_EXTENSION,
            valueReference: { identifier: { system: INVITATION_ID_SYSTEM, value: invitationIdOf(child) } },
          },
        ],
        item: Array.from({ length: 9 }, (_, i) => ({
          linkId: `sdm-q9-${i + 1}`,
          answer: [{ valueCoding: { code: '5' } }],
        })),
      };
      expect((await postResult(response)).status).toBe(202);
      await resultsWritten();
      const record = await recordOf(child);
      expect(record.responses).toEqual([]); // an SDM-Q9 is stored as its score only
      expect(record.observations.find((o) => o.code.coding?.[0]?.code === 'sdm-q9-total')?.valueQuantity?.value).toBe(
        100,
      );
      expect(record.task.status).toBe('completed');
    },
    SLOW_MS,
  );

  it(
    'refuses the SDM-Q9 of a 13-year-old with 422 naming the rule, and writes nothing',
    async () => {
      const { child } = await invite();
      const answer = await postResult(platformResult(invitationIdOf(child), { id: 'e2e-young' }));
      expect(answer.status).toBe(422);
      expect(answer.body.issue.map((i) => i.details.text)).toEqual([
        expect.stringMatching(
          /^sdm-q9: rule answeredBy\.patient\.minAge: for patients aged 16 and older; the patient is younger/,
        ),
      ]);
      await resultsWritten();
      expect((await recordOf(child)).responses).toHaveLength(0);
    },
    SLOW_MS,
  );

  it.each([
    ['an answer outside the options', { sdmq9: [4, 5, 8, 4, 4, 5, 3, 4, 5] }, ['sdm-q9-3']],
    ['a missing required answer', { summary: { certainty: null } }, ['keuze-zekerheid']],
    ['an answer of the wrong type', { summary: { discussTogether: 'ja' } }, ['vervolg-samen-bespreken']],
    ['a text that is too long', { summary: { preferredOption: 'x'.repeat(300) } }, ['keuze-voorkeur']],
    [
      'several at once',
      { sdmq9: [6, 5, 3, 4, 4, 5, 3, 4], summary: { certainty: 'misschien' } },
      ['keuze-zekerheid', 'sdm-q9-1', 'sdm-q9-9'],
    ],
  ])(
    'answers 422 naming the linkId for %s, and writes nothing',
    async (_name, overrides, linkIds) => {
      const { parent } = await invite();
      const answer = await postResult(platformResult(invitationIdOf(parent), overrides as never));
      expect(answer.status).toBe(422);
      expect(answer.body.issue.map((i) => i.details.text.split(':')[0])).toEqual(linkIds);
      expect(answer.body.issue.every((i, n) => i.expression?.[0]?.includes(`linkId='${linkIds[n]}'`))).toBe(true);
      await resultsWritten();
      const record = await recordOf(parent);
      expect([record.responses.length, record.task.meta?.versionId]).toEqual([0, parent.meta?.versionId]);
    },
    SLOW_MS,
  );

  it.each([
    ['fails before the EPD sees it', 'fail'],
    ['is stored but its answer is lost', 'lose'],
  ] as const)(
    'retries a write whose second transaction %s, and never writes anything twice',
    async (_name, fault) => {
      const { parent } = await invite(7);
      const before = epd.injected();
      epd.plan('ok', fault);
      const body = { ...platformResult(invitationIdOf(parent), { id: `e2e-${fault}` }), cact: C_ACT };
      expect((await postResult(body)).status).toBe(202);
      await resultsWritten();
      expect(epd.injected()).toBe(before + 1);
      const record = await recordOf(parent);
      // keuzeformulier and C-ACT responses; C-ACT: 7 answers and its score; the SDM-Q9 score
      expect([record.responses.length, record.observations.length, record.task.status]).toEqual([2, 9, 'completed']);
      expect(new Set(record.observations.map((o) => o.identifier?.[0]?.value)).size).toBe(9);
      expect(await stack.service.queues.results.getFailedCount()).toBe(0);
    },
    SLOW_MS,
  );
});
