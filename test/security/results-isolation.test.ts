import type { DocumentReference, Observation, QuestionnaireResponse, Task } from '@medplum/fhirtypes';
import { INVITATION_ID_SYSTEM } from '../../src/decision-aids/invitation-task-codes.js';
import { createFakeEpdClient, type FakeEpdClient } from '../../src/epd/fake-epd-client.js';
import { acceptResult } from '../../src/pro/accept-result.js';
import { loadQuestionnaires } from '../../src/pro/load-questionnaires.js';
import { planResultWrite } from '../../src/pro/plan-result-write.js';
import type { QuestionnaireSet } from '../../src/pro/questionnaire-set.js';
import { scopedResultIdentifier } from '../../src/pro/result-identifier.js';
import { writeResult } from '../../src/pro/write-result.js';
import type { DecisionAid } from '../../src/rules/types.js';
import type { AppError } from '../../src/shared/errors.js';
import {
  ASTHMA_AID,
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

/** The responses a Task's output points at. */
async function outputsOf(task: string): Promise<QuestionnaireResponse[]> {
  const read = await epd.read<Task>(task);
  return Promise.all((read.output ?? []).map((o) => epd.read<QuestionnaireResponse>(o.valueReference!.reference!)));
}

const codesOf = (response: QuestionnaireResponse) => response.item!.map((i) => i.answer![0]!.valueCoding!.code);

async function counts() {
  const [responses, observations] = await Promise.all([
    epd.search<QuestionnaireResponse>('QuestionnaireResponse', {}),
    epd.search<Observation>('Observation', {}),
  ]);
  return { responses: responses.length, observations: observations.length };
}

describe('results isolation: a platform cannot touch another invitation or patient', () => {
  it("attack 1: aid A answers patient A under the identifier of aid B's result for patient B", async () => {
    await submit(AID_B, sdmResponse(invitations.b.invitationId, 'shared-77', '1'));
    const before = await outputsOf(invitations.b.task);
    await submit(AID_A, sdmResponse(invitations.a.invitationId, 'shared-77', '5'));

    const [ofA] = await outputsOf(invitations.a.task);
    expect(ofA!.subject?.reference).toBe('Patient/patient-a');
    expect(codesOf(ofA!)).toEqual(Array(9).fill('5'));
    const afterB = await outputsOf(invitations.b.task);
    expect(afterB.map((r) => [r.id, r.meta?.versionId, r.subject?.reference])).toEqual(
      before.map((r) => [r.id, r.meta?.versionId, 'Patient/patient-b']),
    );
    expect(ofA!.id).not.toBe(afterB[0]!.id);
  });

  it('attack 1 with the platform JSON: the same result id at two aids is two results', async () => {
    await submit(AID_B, platformResult(invitations.b.invitationId, { id: 'r-1' }));
    await submit(AID_A, platformResult(invitations.a.invitationId, { id: 'r-1' }));
    const ofA = await outputsOf(invitations.a.task);
    const ofB = await outputsOf(invitations.b.task);
    expect(ofA.map((r) => r.subject?.reference)).toEqual(['Patient/patient-a', 'Patient/patient-a']);
    expect(ofB.map((r) => r.subject?.reference)).toEqual(['Patient/patient-b', 'Patient/patient-b']);
  });

  it("attack 2: aid A writes first under aid B's future id for patient C; C's Task and Observations stay C's", async () => {
    await submit(AID_A, sdmResponse(invitations.a.invitationId, 'future-9', '5'));
    await submit(AID_B, sdmResponse(invitations.c.invitationId, 'future-9', '0'));

    const [ofC] = await outputsOf(invitations.c.task);
    expect([ofC!.subject?.reference, ...new Set(codesOf(ofC!))]).toEqual(['Patient/patient-c', '0']);
    const observations = await epd.search<Observation>('Observation', {
      'derived-from': `QuestionnaireResponse/${ofC!.id}`,
    });
    expect(observations.length).toBeGreaterThan(0);
    for (const observation of observations) expect(observation.subject?.reference).toBe('Patient/patient-c');
    const [ofA] = await outputsOf(invitations.a.task);
    expect(ofA!.id).not.toBe(ofC!.id);
  });

  it('refuses with 409 and writes nothing when a resource with the scoped identifier belongs to another patient', async () => {
    // As if written before the namespace existed, or by anyone else with access to the EPD.
    const planted = sdmResponse(invitations.a.invitationId, 'planted', '5');
    const scoped = scopedResultIdentifier(
      { system: PLATFORM_SYSTEM, value: 'future-9' },
      AID_B.id,
      invitations.c.invitationId,
    );
    await epd.createIfNoneExist(
      { ...planted, identifier: scoped, basedOn: undefined, subject: { reference: 'Patient/patient-a' } },
      'identifier=none|none',
    );
    const before = await counts();
    const refused = await failure(submit(AID_B, sdmResponse(invitations.c.invitationId, 'future-9', '0')));
    expect(refused).toMatchObject({ status: 409, retry: false });
    expect(refused!.message).not.toMatch(/patient-a|planted/);
    expect(await counts()).toEqual(before);
    expect((await epd.read<Task>(invitations.c.task)).status).toBe('ready');
  });

  it('the results job refuses too (409, nothing written), when the foreign resource appears after intake', async () => {
    const job = await acceptResult(AID_B, sdmResponse(invitations.c.invitationId, 'late', '0'), RECEIVED, {
      epd,
      questionnaires,
    });
    await epd.createIfNoneExist(
      {
        ...sdmResponse(invitations.a.invitationId, 'x', '5'),
        identifier: job.responses[0]!.identifier,
        subject: { reference: 'Patient/patient-a' },
      },
      'identifier=none|none',
    );
    const before = await counts();
    const refused = await failure(writeResult(epd, planResultWrite(job, questionnaires, RECEIVED).plan));
    expect(refused).toMatchObject({ status: 409, retry: false });
    expect(await counts()).toEqual(before);
    expect((await epd.read<Task>(invitations.c.task)).status).toBe('ready');
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

  it("refuses another patient's response and document without quoting them, as it refuses an unknown id", async () => {
    await submit(AID_B, sdmResponse(invitations.b.invitationId, 'b-1', '1'));
    const [ofB] = await outputsOf(invitations.b.task);
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
      `QuestionnaireResponse/${ofB!.id}`,
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
      acceptResult(AID_A, await completedTaskPointingAt(`QuestionnaireResponse/${ofOther!.id}`), RECEIVED, {
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
