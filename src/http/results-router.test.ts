import request from 'supertest';
import { createFakeEpdClient, type FakeEpdClient } from '../epd/fake-epd-client.js';
import { acceptResult } from '../pro/accept-result.js';
import { loadQuestionnaires } from '../pro/load-questionnaires.js';
import type { QuestionnaireSet } from '../pro/questionnaire-set.js';
import { ASTHMA_AID, platformResult, storeInvitationTask } from '../../test/fixtures/results/result-fixtures.js';
import type { ResultJobData } from '../queue/job-types.js';
import type { CompiledMappings } from '../rules/compile-mappings.js';
import type { DecisionAid } from '../rules/types.js';
import { createLogger } from '../shared/logger.js';
import { createApp } from './create-app.js';
import { signRequest } from './verify-source.js';

const TOKEN = 'results-token-0123456789';
const SECRET = 'signing-secret-0123456789abcdef';
/** A second aid whose platform signs its posts instead of sending a token. */
const SIGNING_AID: DecisionAid = {
  ...ASTHMA_AID,
  id: 'signing-aid',
  results: { ...ASTHMA_AID.results!, auth: { type: 'hmac', secret: SECRET } },
};
const NO_RESULTS_AID: DecisionAid = { ...ASTHMA_AID, id: 'no-results', results: undefined };

let questionnaires: QuestionnaireSet;
let epd: FakeEpdClient;
beforeAll(async () => {
  questionnaires = await loadQuestionnaires('mappings/questionnaires');
});
beforeEach(() => {
  epd = createFakeEpdClient();
});

function appWith(options: { failQueue?: boolean; maxBodyBytes?: number } = {}) {
  const queued: ResultJobData[] = [];
  const mappings = {
    decisionAids: new Map([ASTHMA_AID, SIGNING_AID, NO_RESULTS_AID].map((aid) => [aid.id, aid])),
  } as unknown as CompiledMappings;
  const app = createApp({
    log: createLogger({ level: 'silent' }),
    notify: {
      epdBase: 'https://epd.example.org/fhir',
      sources: [],
      maxBodyBytes: 1024 * 1024,
      relevantTypes: () => new Set(),
      enqueueEvents: async () => undefined,
    },
    results: {
      getMappings: () => mappings,
      maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024,
      acceptResult: (aid, body, receivedAt) => acceptResult(aid, body, receivedAt, { epd, questionnaires }),
      enqueueResult: async (job) => {
        if (options.failQueue) throw new Error("Stream isn't writeable and enableOfflineQueue options is false");
        queued.push(job);
      },
    },
  });
  return { app, queued };
}

const post = (
  app: ReturnType<typeof appWith>['app'],
  aidId: string,
  body: unknown,
  headers: Record<string, string> = {},
) =>
  request(app)
    .post(`/decision-aids/${aidId}/results`)
    .set({ 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, ...headers })
    .send(typeof body === 'string' ? body : JSON.stringify(body));

describe('POST /decision-aids/{aidId}/results', () => {
  it('accepts a result with the aid bearer token and queues one job with the answers', async () => {
    const { app, queued } = appWith();
    const { invitationId, task } = await storeInvitationTask(epd);
    const res = await post(app, 'astma-kind', platformResult(invitationId));
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ severity: 'information' }] });
    expect(queued).toHaveLength(1);
    expect(queued[0]).toMatchObject({
      decisionAidId: 'astma-kind',
      invitationId,
      task,
      responses: [expect.anything(), expect.anything()],
    });
    expect(queued[0]!.requestId).toBe(res.get('x-request-id')); // a new id when the platform sends none
  });

  it("carries the platform's X-Request-Id into the job (its AuditEvent is tagged with it)", async () => {
    const { app, queued } = appWith();
    const { invitationId } = await storeInvitationTask(epd);
    const res = await post(app, 'astma-kind', platformResult(invitationId), { 'x-request-id': 'platform-req-42' });
    expect([res.status, res.get('x-request-id'), queued[0]!.requestId]).toEqual([
      202,
      'platform-req-42',
      'platform-req-42',
    ]);
  });

  it('accepts a signed result of an aid that signs (x-sdm-timestamp, x-sdm-signature)', async () => {
    const { app, queued } = appWith();
    const { invitationId } = await storeInvitationTask(epd, { aid: SIGNING_AID });
    const body = JSON.stringify(platformResult(invitationId));
    const res = await post(app, 'signing-aid', body, { authorization: '', ...signRequest(SECRET, body) });
    expect(res.status).toBe(202);
    expect(queued).toHaveLength(1);
  });

  it.each([
    ['no credentials', 'astma-kind', { authorization: '' }, 401, 'login'],
    ['a wrong token', 'astma-kind', { authorization: 'Bearer nope-nope-nope-nope' }, 401, 'login'],
    ['the token of another aid', 'signing-aid', {}, 401, 'login'],
    ['an unknown aid', 'onbekend', {}, 404, 'not-found'],
    ['an aid that posts no results', 'no-results', {}, 404, 'not-found'],
    ['a wrong content type', 'astma-kind', { 'content-type': 'text/plain' }, 415, 'invalid'],
  ])('refuses %s', async (_name, aidId, headers, status, code) => {
    const { app, queued } = appWith();
    const { invitationId } = await storeInvitationTask(epd);
    const res = await post(app, aidId, platformResult(invitationId), headers);
    expect([res.status, res.body.resourceType, res.body.issue[0].code]).toEqual([status, 'OperationOutcome', code]);
    expect(queued).toHaveLength(0);
  });

  it.each([
    ['unparseable JSON', '{"invitation": '],
    ['an empty body', ''],
  ])('answers 400 to %s', async (_name, body) => {
    const { app, queued } = appWith();
    expect((await post(app, 'astma-kind', body)).status).toBe(400);
    expect(queued).toHaveLength(0);
  });

  it('answers 422 with one issue per problem, each naming its linkId, and queues nothing', async () => {
    const { app, queued } = appWith();
    const { invitationId } = await storeInvitationTask(epd);
    const res = await post(app, 'astma-kind', platformResult(invitationId, { sdmq9: [9, 5, 5, 5, 5, 5, 5, 5, null] }));
    expect(res.status).toBe(422);
    expect(res.body.issue.map((i: { expression: string[] }) => i.expression[0])).toEqual([
      "QuestionnaireResponse.item.where(linkId='sdm-q9-1').answer",
      "QuestionnaireResponse.item.where(linkId='sdm-q9-9')",
    ]);
    expect(res.body.issue.map((i: { details: { text: string } }) => i.details.text.split(':')[0])).toEqual([
      'sdm-q9-1',
      'sdm-q9-9',
    ]);
    expect(queued).toHaveLength(0);
  });

  it('answers 503 with Retry-After when the queue is unavailable', async () => {
    const { app } = appWith({ failQueue: true });
    const { invitationId } = await storeInvitationTask(epd);
    const res = await post(app, 'astma-kind', platformResult(invitationId));
    expect([res.status, res.body.issue[0].code]).toEqual([503, 'transient']);
    expect(res.headers['retry-after']).toBeDefined();
  });

  it('refuses a body over the size limit with 413', async () => {
    const { app, queued } = appWith({ maxBodyBytes: 1024 });
    const res = await post(app, 'astma-kind', { ...platformResult('inv-1'), padding: 'x'.repeat(4096) });
    expect(res.status).toBe(413);
    expect(queued).toHaveLength(0);
  });
});
