import type { DocumentReference, Observation, QuestionnaireResponse, Resource, Task } from '@medplum/fhirtypes';
import { INVITATION_ID_SYSTEM } from '../../src/decision-aids/invitation-task-codes.js';
import { createFakeEpdClient, type FakeEpdClient } from '../../src/epd/fake-epd-client.js';
import { acceptResult } from '../../src/pro/accept-result.js';
import { loadQuestionnaires } from '../../src/pro/load-questionnaires.js';
import { planResultWrite } from '../../src/pro/plan-result-write.js';
import { PRO_SCORE_SYSTEM } from '../../src/pro/pro-codes.js';
import type { QuestionnaireSet } from '../../src/pro/questionnaire-set.js';
import { scopedResultIdentifier } from '../../src/pro/result-identifier.js';
import { writeResult } from '../../src/pro/write-result.js';
import type { DecisionAid, StoragePolicy } from '../../src/rules/types.js';
import type { AppError } from '../../src/shared/errors.js';
import {
  ASTHMA_AID,
  ASTHMA_RESULTS,
  platformResult,
  questionnaireUrl,
  storeInvitationTask,
} from '../fixtures/results/result-fixtures.js';

/**
 * Finding (high): a platform could make another patient's invitation point at its answers, or its
 * own invitation point at another patient's, by choosing the identifier of a result. Two aids and
 * three patients, as the attack was run: aid A answers patient A; aid B answers patients B and C.
 */
const AID_A: DecisionAid = ASTHMA_AID;
const AID_B: DecisionAid = {
  ...ASTHMA_AID,
  id: 'astma-tweede',
  activityDefinition: 'https://tweede.example.org/fhir/ActivityDefinition/astma|1',
};

/** Both aids with the SDM-Q9 stored as `store` says (absent: its default, the score only). */
function aidsStoring(store: Partial<StoragePolicy> | undefined): { a: DecisionAid; b: DecisionAid } {
  const withStore = (aid: DecisionAid): DecisionAid => ({
    ...aid,
    results: {
      ...ASTHMA_RESULTS,
      questionnaires: ASTHMA_RESULTS.questionnaires.map((q) =>
        q.questionnaire === questionnaireUrl('sdm-q9') ? { ...q, store } : q,
      ),
    },
  });
  return { a: withStore(AID_A), b: withStore(AID_B) };
}
const RECEIVED = '2026-03-02T20:16:00.000Z';
const PLATFORM_SYSTEM = 'https://keuzehulp.example.org/results';

let questionnaires: QuestionnaireSet;
let epd: FakeEpdClient;
let invitations: Record<'a' | 'b' | 'c', { invitationId: string; task: string; patient: string }>;
beforeAll(async () => {
  questionnaires = await loadQuestionnaires('mappings/questionnaires');
});
beforeEach(async () => {
  epd = createFakeEpdClient();
  invitations = {
    a: await storeInvitationTask(epd, { aid: AID_A, role: 'patient', patient: 'Patient/patient-a' }),
    b: await storeInvitationTask(epd, { aid: AID_B, role: 'patient', patient: 'Patient/patient-b' }),
    c: await storeInvitationTask(epd, { aid: AID_B, role: 'patient', patient: 'Patient/patient-c' }),
  };
});

/** An SDM-Q9 answered with one code throughout, based on an invitation, with the platform's identifier. */
function sdmResponse(invitationId: string, platformId: string, code: string): QuestionnaireResponse {
  return {
    resourceType: 'QuestionnaireResponse',
    identifier: { system: PLATFORM_SYSTEM, value: platformId },
    questionnaire: questionnaireUrl('sdm-q9'),
    status: 'completed',
    authored: '2026-03-02T20:00:00+01:00',
    basedOn: [{ identifier: { system: INVITATION_ID_SYSTEM, value: invitationId } }],
    item: Array.from({ length: 9 }, (_, i) => ({ linkId: `sdm-q9-${i + 1}`, answer: [{ valueCoding: { code } }] })),
  };
}

/** What the service does with a posted result: accept it at the edge, then the results job writes it. */
async function submit(aid: DecisionAid, body: unknown) {
  const job = await acceptResult(aid, body, RECEIVED, { epd, questionnaires });
  return writeResult(epd, planResultWrite(job, questionnaires, RECEIVED).plan);
}

const failure = (work: Promise<unknown>) =>
  work.then(
    () => undefined,
    (err: unknown) => err as AppError,
  );

type Written = QuestionnaireResponse | Observation;

/** What a Task's output points at: responses, or score Observations where no response is written. */
async function outputsOf(task: string): Promise<Written[]> {
  const read = await epd.read<Task>(task);
  return Promise.all((read.output ?? []).map((o) => epd.read<Written>(o.valueReference!.reference!)));
}

/** Every Observation of a result: its outputs that are Observations and those derived from its responses. */
async function observationsOf(outputs: readonly Written[]): Promise<Observation[]> {
  const derived = await Promise.all(
    outputs
      .filter((r) => r.resourceType === 'QuestionnaireResponse')
      .map((r) => epd.search<Observation>('Observation', { 'derived-from': `QuestionnaireResponse/${r.id}` })),
  );
  return [...outputs.filter((r): r is Observation => r.resourceType === 'Observation'), ...derived.flat()];
}

/** The SDM-Q9 totals among Observations (100: every answer 5, 0: every answer 0). */
const sdmTotalsOf = (observations: readonly Observation[]) =>
  observations
    .filter((o) => o.code.coding?.some((c) => c.system === PRO_SCORE_SYSTEM && c.code === 'sdm-q9-total'))
    .map((o) => o.valueQuantity?.value);

/** The answer codes of each written response (none where the policy writes no response). */
const answersOf = (outputs: readonly Written[]) =>
  outputs
    .filter((r): r is QuestionnaireResponse => r.resourceType === 'QuestionnaireResponse')
    .map((r) => r.item!.map((i) => i.answer![0]!.valueCoding!.code));

const subjectsOf = (resources: readonly Written[]) => resources.map((r) => r.subject?.reference);
const referenceOf = (resource: Resource) => `${resource.resourceType}/${resource.id}`;

async function counts() {
  const [responses, observations] = await Promise.all([
    epd.search<QuestionnaireResponse>('QuestionnaireResponse', {}),
    epd.search<Observation>('Observation', {}),
  ]);
  return { responses: responses.length, observations: observations.length };
}

describe.each([
  ['the default storage policy (the SDM-Q9 writes its score only)', undefined],
  ['a policy writing the SDM-Q9 response and every answer', { response: true, scores: true, items: true }],
] as const)('results isolation under %s: a platform cannot touch another invitation or patient', (_name, store) => {
  const aids = aidsStoring(store);
  const writesResponse = store?.response ?? false;

  it("attack 1: aid A answers patient A under the identifier of aid B's result for patient B", async () => {
    await submit(aids.b, sdmResponse(invitations.b.invitationId, 'shared-77', '1'));
    const before = await outputsOf(invitations.b.task);
    await submit(aids.a, sdmResponse(invitations.a.invitationId, 'shared-77', '5'));

    const ofA = await outputsOf(invitations.a.task);
    expect(ofA.length).toBeGreaterThan(0);
    expect(subjectsOf(ofA)).toEqual(ofA.map(() => 'Patient/patient-a'));
    expect(sdmTotalsOf(await observationsOf(ofA))).toEqual([100]);
    expect(answersOf(ofA)).toEqual(writesResponse ? [Array(9).fill('5')] : []);
    const afterB = await outputsOf(invitations.b.task);
    expect(afterB.map((r) => [r.id, r.meta?.versionId, r.subject?.reference])).toEqual(
      before.map((r) => [r.id, r.meta?.versionId, 'Patient/patient-b']),
    );
    expect(sdmTotalsOf(await observationsOf(afterB))).toEqual([20]);
    const ofB = new Set(afterB.map(referenceOf));
    expect(ofA.map(referenceOf).filter((ref) => ofB.has(ref))).toEqual([]);
  });

  it('attack 1 with the platform JSON: the same result id at two aids is two results', async () => {
    await submit(aids.b, platformResult(invitations.b.invitationId, { id: 'r-1' }));
    await submit(aids.a, platformResult(invitations.a.invitationId, { id: 'r-1' }));
    const ofA = await outputsOf(invitations.a.task);
    const ofB = await outputsOf(invitations.b.task);
    expect(subjectsOf(ofA)).toEqual(['Patient/patient-a', 'Patient/patient-a']);
    expect(subjectsOf(ofB)).toEqual(['Patient/patient-b', 'Patient/patient-b']);
    const referencesOfB = new Set(ofB.map(referenceOf));
    expect(ofA.map(referenceOf).filter((ref) => referencesOfB.has(ref))).toEqual([]);
  });

  it("attack 2: aid A writes first under aid B's future id for patient C; C's Task and Observations stay C's", async () => {
    await submit(aids.a, sdmResponse(invitations.a.invitationId, 'future-9', '5'));
    await submit(aids.b, sdmResponse(invitations.c.invitationId, 'future-9', '0'));

    const ofC = await outputsOf(invitations.c.task);
    expect(ofC.length).toBeGreaterThan(0);
    expect(subjectsOf(ofC)).toEqual(ofC.map(() => 'Patient/patient-c'));
    expect(answersOf(ofC)).toEqual(writesResponse ? [Array(9).fill('0')] : []);
    const observations = await observationsOf(ofC);
    // C's score is made of C's answers (all 0), not A's (all 5, a total of 100).
    expect(sdmTotalsOf(observations)).toEqual([0]);
    expect(observations.length).toBe(writesResponse ? 10 : 1); // with the answers: nine items and the total
    for (const observation of observations) expect(observation.subject?.reference).toBe('Patient/patient-c');
    const referencesOfC = new Set(ofC.map(referenceOf));
    const ofA = await outputsOf(invitations.a.task);
    expect(ofA.map(referenceOf).filter((ref) => referencesOfC.has(ref))).toEqual([]);
  });

  it('refuses with 409 and writes nothing when a resource with the scoped identifier belongs to another patient', async () => {
    // As if written before the namespace existed, or by anyone else with access to the EPD.
    const planted = sdmResponse(invitations.a.invitationId, 'planted', '5');
    const scoped = scopedResultIdentifier(
      { system: PLATFORM_SYSTEM, value: 'future-9' },
      aids.b.id,
      invitations.c.invitationId,
    );
    await epd.createIfNoneExist(
      { ...planted, identifier: scoped, basedOn: undefined, subject: { reference: 'Patient/patient-a' } },
      'identifier=none|none',
    );
    const before = await counts();
    const refused = await failure(submit(aids.b, sdmResponse(invitations.c.invitationId, 'future-9', '0')));
    expect(refused).toMatchObject({ status: 409, retry: false });
    expect(refused!.message).not.toMatch(/patient-a|planted/);
    expect(await counts()).toEqual(before);
    expect((await epd.read<Task>(invitations.c.task)).status).toBe('ready');
  });

  it('the results job refuses too (409, nothing written), when a foreign resource it would write appears after intake', async () => {
    const job = await acceptResult(aids.b, sdmResponse(invitations.c.invitationId, 'late', '0'), RECEIVED, {
      epd,
      questionnaires,
    });
    const { plan } = planResultWrite(job, questionnaires, RECEIVED);
    // Each resource the job would write, in turn, already in the EPD with its identifier but about patient A.
    expect(plan.entries.map((e) => e.resource.resourceType)).toContain(
      writesResponse ? 'QuestionnaireResponse' : 'Observation',
    );
    for (const [index, entry] of plan.entries.entries()) {
      const { resource: planted } = await epd.createIfNoneExist<Resource>(
        { ...entry.resource, subject: { reference: 'Patient/patient-a' } } as Resource,
        'identifier=none|none',
      );
      const before = await counts();
      const refused = await failure(writeResult(epd, plan));
      expect([index, refused?.status, refused?.retry]).toEqual([index, 409, false]);
      expect(await counts()).toEqual(before);
      expect((await epd.read<Task>(invitations.c.task)).status).toBe('ready');
      // Out of the way for the next entry: the planted resource under an identifier of its own.
      const aside = { system: 'https://example.org/aside', value: String(index) };
      await epd.update({
        ...planted,
        identifier: planted.resourceType === 'Observation' ? [aside] : aside,
      } as Resource & { id: string });
    }
  });
});

describe("results isolation: a completed Task's output must be this invitation's", () => {
  const SECRET_TEXT = 'Jansen, BSN 999911120, Dorpsstraat 1';

  async function completedTaskPointingAt(reference: string): Promise<Task> {
    return {
      ...(await epd.read<Task>(invitations.a.task)),
      status: 'completed',
      output: [{ type: { text: 'resultaat' }, valueReference: { reference } }],
    };
  }

  it("refuses another patient's result and document without quoting them, as it refuses an unknown id", async () => {
    await submit(AID_B, sdmResponse(invitations.b.invitationId, 'b-1', '1'));
    const [ofB] = await outputsOf(invitations.b.task); // the SDM-Q9 score: the default policy writes no response
    const { resource: document } = await epd.createIfNoneExist<DocumentReference>(
      {
        resourceType: 'DocumentReference',
        status: 'current',
        subject: { reference: 'Patient/patient-b' },
        description: SECRET_TEXT,
        content: [{ attachment: { contentType: 'text/plain', data: Buffer.from(SECRET_TEXT).toString('base64') } }],
      },
      'identifier=none|none',
    );
    const answers: string[] = [];
    for (const reference of [
      referenceOf(ofB!),
      `DocumentReference/${document.id}`,
      'QuestionnaireResponse/does-not-exist',
    ]) {
      const refused = await failure(
        acceptResult(AID_A, await completedTaskPointingAt(reference), RECEIVED, { epd, questionnaires }),
      );
      expect(refused).toMatchObject({ status: 422 });
      answers.push(JSON.stringify(refused!.problems));
    }
    expect(new Set(answers).size).toBe(1); // existence cannot be told from the answer
    expect(answers[0]).not.toMatch(/Jansen|999911120|Dorpsstraat|patient-b/);
  });

  it('refuses a response of the same patient written for another invitation', async () => {
    const other = await storeInvitationTask(epd, { aid: AID_A, role: 'patient', patient: 'Patient/patient-a' });
    await submit(AID_A, sdmResponse(other.invitationId, 'a-other', '2'));
    const [ofOther] = await outputsOf(other.task);
    const refused = await failure(
      acceptResult(AID_A, await completedTaskPointingAt(referenceOf(ofOther!)), RECEIVED, {
        epd,
        questionnaires,
      }),
    );
    expect(refused).toMatchObject({ status: 422 });
  });

  it('accepts a response in the EPD about the patient and based on the invitation Task', async () => {
    const { resource } = await epd.createIfNoneExist<QuestionnaireResponse>(
      {
        ...sdmResponse(invitations.a.invitationId, 'kt-1', '3'),
        basedOn: [{ reference: invitations.a.task }],
        subject: { reference: 'Patient/patient-a' },
      },
      'identifier=none|none',
    );
    const job = await acceptResult(
      AID_A,
      await completedTaskPointingAt(`QuestionnaireResponse/${resource.id}`),
      RECEIVED,
      { epd, questionnaires },
    );
    expect(job.patient).toBe('Patient/patient-a');
  });
});
