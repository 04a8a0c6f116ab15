import type { DocumentReference, QuestionnaireResponse, Task } from '@medplum/fhirtypes';
import { INVITATION_ID_SYSTEM } from '../decision-aids/invitation-task-codes.js';
import { createFakeEpdClient, type FakeEpdClient } from '../epd/fake-epd-client.js';
import { AppError } from '../shared/errors.js';
import { acceptResult, resultJobId } from './accept-result.js';
import { loadQuestionnaires } from './load-questionnaires.js';
import { scopedResultIdentifier } from './result-identifier.js';
import { INVITATION_EXTENSION } from './pro-codes.js';
import type { QuestionnaireSet } from './questionnaire-set.js';
import {
  AGREEMENT,
  ASTHMA_AID,
  platformResult,
  questionnaireUrl,
  storeInvitationTask,
} from '../../test/fixtures/results/result-fixtures.js';

const RECEIVED = '2026-03-02T20:16:00.000Z';
let questionnaires: QuestionnaireSet;
let epd: FakeEpdClient;
beforeAll(async () => {
  questionnaires = await loadQuestionnaires('mappings/questionnaires');
});
beforeEach(() => {
  epd = createFakeEpdClient();
});

const accept = (body: unknown, aid = ASTHMA_AID) => acceptResult(aid, body, RECEIVED, { epd, questionnaires });
const refusal = (body: unknown, aid = ASTHMA_AID) =>
  accept(body, aid).then(
    () => undefined,
    (err: unknown) => err as AppError,
  );

const sdmResponse = (
  basedOn: QuestionnaireResponse['basedOn'],
  extra: Partial<QuestionnaireResponse> = {},
): QuestionnaireResponse => ({
  resourceType: 'QuestionnaireResponse',
  identifier: { system: 'https://keuzehulp.example.org/results', value: 'qr-77' },
  questionnaire: questionnaireUrl('sdm-q9'),
  status: 'completed',
  authored: '2026-03-02T20:00:00+01:00',
  basedOn,
  item: Array.from({ length: 9 }, (_, i) => ({ linkId: `sdm-q9-${i + 1}`, answer: [{ valueCoding: { code: '4' } }] })),
  ...extra,
});

describe('acceptResult: the three shapes', () => {
  it('maps the platform JSON of a parent to the keuzeformulier and the parent wording of the SDM-Q9', async () => {
    const { invitationId, task } = await storeInvitationTask(epd, { role: 'guardian' });
    const job = await accept(platformResult(invitationId));
    expect(job).toMatchObject({
      invitationId,
      task,
      patient: 'Patient/kind-1',
      author: { role: 'guardian', reference: 'RelatedPerson/ouder-1' },
    });
    expect(job.responses.map((r) => [r.questionnaire, r.identifier.value, r.authored])).toEqual([
      [
        questionnaireUrl('keuzeformulier'),
        `astma-kind/${invitationId}/result-1/keuzeformulier`,
        '2026-03-02T20:15:00+01:00',
      ],
      [questionnaireUrl('sdm-q9-ouder'), `astma-kind/${invitationId}/result-1/sdm-q9`, '2026-03-02T20:15:00+01:00'],
    ]);
    expect(job.responses[1]!.item[0]).toEqual({
      linkId: 'sdm-q9-1',
      text: expect.any(String),
      answer: [{ valueCoding: { system: AGREEMENT, code: '4', display: 'grotendeels mee eens' } }],
    });
    const keuze = job.responses[0]!.item;
    expect(keuze.find((i) => i.linkId === 'belangrijk')?.item?.[0]?.answer).toHaveLength(2);
    expect(keuze.find((i) => i.linkId === 'keuze')?.item?.[0]?.answer?.[0]?.item?.[0]?.linkId).toBe(
      'keuze-voorkeur-toelichting',
    );
  });

  it('uses the patient wording for an invitation to the patient, and leaves an optional questionnaire out when it is absent', async () => {
    const { invitationId } = await storeInvitationTask(epd, { role: 'patient' });
    expect((await accept(platformResult(invitationId))).responses.map((r) => r.questionnaire)).toEqual([
      questionnaireUrl('keuzeformulier'),
      questionnaireUrl('sdm-q9'),
    ]);
    expect((await accept(platformResult(invitationId, { sdmq9: null }))).responses.map((r) => r.questionnaire)).toEqual(
      [questionnaireUrl('keuzeformulier')],
    );
  });

  it.each([
    [
      'the invitation extension with its identifier',
      (id: string) =>
        sdmResponse(undefined, {
          extension: [
            { url: INVITATION_EXTENSION, valueReference: { identifier: { system: INVITATION_ID_SYSTEM, value: id } } },
          ],
        }),
    ],
    [
      'the invitation extension with the Task',
      (_id: string, task: string) =>
        sdmResponse(undefined, { extension: [{ url: INVITATION_EXTENSION, valueReference: { reference: task } }] }),
    ],
    [
      'a basedOn with its identifier (older platforms)',
      (id: string) => sdmResponse([{ identifier: { system: INVITATION_ID_SYSTEM, value: id } }]),
    ],
    ['a basedOn → Task (older platforms)', (_id: string, task: string) => sdmResponse([{ reference: task }])],
  ])(
    'accepts a QuestionnaireResponse naming the invitation by %s, its identifier scoped to aid and invitation',
    async (_name, response) => {
      const { invitationId, task } = await storeInvitationTask(epd, { role: 'patient' });
      const job = await accept(response(invitationId, task));
      expect(job.responses).toHaveLength(1);
      expect(job.responses[0]).toMatchObject({
        identifier: scopedResultIdentifier(
          { system: 'https://keuzehulp.example.org/results', value: 'qr-77' },
          'astma-kind',
          invitationId,
        ),
        questionnaire: questionnaireUrl('sdm-q9'),
      });
      expect(job.responses[0]!.item[0]!.answer![0]!.valueCoding).toEqual({
        system: AGREEMENT,
        code: '4',
        display: 'grotendeels mee eens',
      });
    },
  );

  it('reads a completed Task (Koppeltaal style) with a contained QuestionnaireResponse', async () => {
    const { invitationId, task } = await storeInvitationTask(epd, { role: 'patient' });
    const posted: Task = {
      ...(await epd.read<Task>(task)),
      status: 'completed',
      contained: [{ ...sdmResponse(undefined), id: 'qr1' }],
      output: [{ type: { text: 'resultaat' }, valueReference: { reference: '#qr1' } }],
    };
    const job = await accept(posted);
    expect([job.invitationId, job.responses.length, job.responses[0]!.identifier.value]).toEqual([
      invitationId,
      1,
      scopedResultIdentifier(
        { system: 'https://keuzehulp.example.org/results', value: 'qr-77' },
        'astma-kind',
        invitationId,
      ).value,
    ]);
  });

  it('reads a completed Task whose output is a DocumentReference in the EPD holding the platform JSON', async () => {
    const { invitationId, task } = await storeInvitationTask(epd, { role: 'guardian' });
    const json = platformResult(invitationId, { id: 'doc-result' });
    const { resource: document } = await epd.createIfNoneExist<DocumentReference>(
      {
        resourceType: 'DocumentReference',
        status: 'current',
        subject: { reference: 'Patient/kind-1' },
        context: { related: [{ reference: task }] },
        content: [
          {
            attachment: { contentType: 'application/json', data: Buffer.from(JSON.stringify(json)).toString('base64') },
          },
        ],
      },
      'identifier=x|never',
    );
    const posted: Task = {
      ...(await epd.read<Task>(task)),
      status: 'completed',
      output: [{ type: { text: 'resultaat' }, valueReference: { reference: `DocumentReference/${document.id}` } }],
    };
    const job = await accept(posted);
    expect(job.responses.map((r) => r.identifier.value)).toEqual([
      `astma-kind/${invitationId}/doc-result/keuzeformulier`,
      `astma-kind/${invitationId}/doc-result/sdm-q9`,
    ]);
  });

  it('gives the same result the same job id', async () => {
    const { invitationId } = await storeInvitationTask(epd);
    expect(resultJobId(await accept(platformResult(invitationId)))).toBe(
      resultJobId(await accept(platformResult(invitationId))),
    );
    expect(resultJobId(await accept(platformResult(invitationId, { id: 'other' })))).not.toBe(
      resultJobId(await accept(platformResult(invitationId))),
    );
  });
});

describe('acceptResult: refusals (nothing is queued)', () => {
  it('lists every problem of the answers at once, by linkId and platform field', async () => {
    const { invitationId } = await storeInvitationTask(epd);
    const error = await refusal(
      platformResult(invitationId, {
        sdmq9: [4, 5, 7, 4, 4, 5, 3, 'veel', 5],
        summary: { certainty: undefined, preferredOption: 'x'.repeat(201) },
      }),
    );
    expect(error).toMatchObject({ status: 422 });
    expect(error!.problems.map((p) => p.message)).toEqual([
      'keuze-voorkeur: is 201 characters long; at most 200 allowed (field "summary.preferredOption")',
      'keuze-zekerheid: is required and has no answer (field "summary.certainty")',
      'sdm-q9-3: 7 is not one of the answer options (0, 1, 2, 3, 4, 5) (field "sdmq9.q3")',
      'sdm-q9-8: veel is not one of the answer options (0, 1, 2, 3, 4, 5) (field "sdmq9.q8")',
    ]);
  });

  it.each([
    [
      'JSON without the invitation id',
      () => ({ result: { id: 'r' } }),
      422,
      /field "invitation": the invitation id is required/,
    ],
    ['an unknown invitation', () => platformResult('inv-unknown'), 422, /invitation inv-unknown is unknown/],
    ['a result without its id', (id: string) => ({ ...platformResult(id), result: {} }), 422, /field "result.id"/],
    [
      'a time without a zone',
      (id: string) => ({ ...platformResult(id), result: { id: 'r', completedAt: '2026-03-02T20:15:00' } }),
      422,
      /not a date-time with a time zone/,
    ],
    [
      'a QuestionnaireResponse of another questionnaire',
      (id: string) =>
        sdmResponse([{ identifier: { system: INVITATION_ID_SYSTEM, value: id } }], {
          questionnaire: questionnaireUrl('act'),
        }),
      422,
      /is not one decision aid astma-kind returns/,
    ],
    [
      'a QuestionnaireResponse in progress',
      (id: string) =>
        sdmResponse([{ identifier: { system: INVITATION_ID_SYSTEM, value: id } }], { status: 'in-progress' }),
      422,
      /only a completed response/,
    ],
    [
      'a QuestionnaireResponse without identifier or id',
      (id: string) =>
        sdmResponse([{ identifier: { system: INVITATION_ID_SYSTEM, value: id } }], { identifier: undefined }),
      422,
      /an identifier \(or id\) is required/,
    ],
    [
      'a QuestionnaireResponse naming no invitation',
      () => sdmResponse([{ reference: 'CarePlan/1' }]),
      422,
      /the invitation is required: an extension/,
    ],
    [
      'a Task that is not completed',
      (id: string) => ({
        resourceType: 'Task',
        status: 'in-progress',
        intent: 'order',
        identifier: [{ system: INVITATION_ID_SYSTEM, value: id }],
      }),
      422,
      /only a completed Task/,
    ],
    [
      'a Task without a result',
      (id: string) => ({
        resourceType: 'Task',
        status: 'completed',
        intent: 'order',
        identifier: [{ system: INVITATION_ID_SYSTEM, value: id }],
      }),
      422,
      /no QuestionnaireResponse, DocumentReference or attachment/,
    ],
    [
      'another resource',
      () => ({ resourceType: 'Patient', id: 'p1' }),
      422,
      /resourceType Patient is not accepted here/,
    ],
    ['a JSON array', () => [1, 2], 400, /must be a JSON object/],
  ])('refuses %s', async (_name, body, status, message) => {
    const { invitationId } = await storeInvitationTask(epd);
    const error = await refusal(body(invitationId));
    expect(error).toBeInstanceOf(AppError);
    expect(error!.status).toBe(status);
    expect(error!.problems.map((p) => p.message).join('\n')).toMatch(message);
  });

  it('refuses an invitation of another decision aid with 403', async () => {
    const other = {
      ...ASTHMA_AID,
      id: 'ander',
      activityDefinition: 'https://example.org/fhir/ActivityDefinition/ander|1',
    };
    const { invitationId } = await storeInvitationTask(epd, { aid: other });
    expect(await refusal(platformResult(invitationId))).toMatchObject({ status: 403 });
  });

  it('refuses a result for a cancelled invitation with 409', async () => {
    const { invitationId } = await storeInvitationTask(epd, { status: 'cancelled' });
    expect(await refusal(platformResult(invitationId))).toMatchObject({ status: 409 });
  });

  it('answers 503 when the EPD cannot be asked, so the platform retries', async () => {
    const { invitationId } = await storeInvitationTask(epd);
    epd.failNext(1);
    expect(await refusal(platformResult(invitationId))).toMatchObject({ status: 503, retry: true });
  });
});
