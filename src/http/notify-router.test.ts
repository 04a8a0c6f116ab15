import request from 'supertest';
import { loadNotificationFixture } from '../../test/fixtures/notifications/load-notification-fixture.js';
import type { EpdEvent } from '../intake/epd-event.js';
import { createLogger } from '../shared/logger.js';
import { createApp } from './create-app.js';
import { signRequest } from './verify-source.js';

const TOKEN = 'hix-token-0123456789';
const SECRET = 'engine-secret-0123456789';

function appWith(options: { failQueue?: boolean; maxBodyBytes?: number } = {}) {
  const queued: EpdEvent[] = [];
  const pings: string[] = [];
  const app = createApp({
    log: createLogger({ level: 'silent' }),
    notify: {
      epdBase: 'https://epd.example.org/fhir',
      sources: [
        { id: 'hix', auth: { type: 'bearer', token: TOKEN } },
        { id: 'engine', auth: { type: 'hmac', secret: SECRET } },
      ],
      maxBodyBytes: options.maxBodyBytes ?? 1024 * 1024,
      relevantTypes: () => new Set(['MedicationRequest', 'CarePlan', 'Encounter']),
      enqueueEvents: async (events) => {
        if (options.failQueue) throw new Error("Stream isn't writeable and enableOfflineQueue options is false");
        queued.push(...events);
      },
      onEmptyPing: async (source) => {
        pings.push(source);
      },
    },
  });
  return { app, queued, pings };
}

const post = (app: ReturnType<typeof appWith>['app'], body: unknown, headers: Record<string, string> = {}) =>
  request(app)
    .post('/fhir/notify')
    .set({ 'content-type': 'application/fhir+json', authorization: `Bearer ${TOKEN}`, ...headers })
    .send(typeof body === 'string' ? body : JSON.stringify(body));

describe('POST /fhir/notify', () => {
  it.each([
    ['subscription-full-resource', 1],
    ['subscription-id-only', 1],
    ['message-bundle', 1],
    ['medication-request', 1],
    ['transaction-bundle', 2],
  ] as const)('accepts %s and queues its events', async (fixture, atLeast) => {
    const { app, queued } = appWith();
    const res = await post(app, loadNotificationFixture(fixture));
    expect(res.status).toBe(202);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(queued.length).toBeGreaterThanOrEqual(atLeast);
    expect(queued.every((e) => e.source === 'hix' && e.eventKey.startsWith('https://epd.example.org/fhir|'))).toBe(
      true,
    );
  });

  it.each(['subscription-handshake', 'subscription-heartbeat'] as const)(
    'answers %s with 200 and queues nothing',
    async (fixture) => {
      const { app, queued } = appWith();
      const res = await post(app, loadNotificationFixture(fixture));
      expect(res.status).toBe(200);
      expect(queued).toHaveLength(0);
    },
  );

  it('accepts a Medplum delete notification ({} and the header) as a delete of that resource', async () => {
    const { app, queued, pings } = appWith();
    const res = await post(app, {}, { 'X-Medplum-Deleted-Resource': 'MedicationRequest/mr-9' });
    expect(res.status).toBe(202);
    expect(pings).toEqual([]);
    expect(queued.map((e) => [e.reference, e.interaction, e.eventKey])).toEqual([
      ['MedicationRequest/mr-9', 'delete', 'https://epd.example.org/fhir|MedicationRequest/mr-9|deleted'],
    ]);
  });

  it('refuses a delete header that names no resource with 422, so the sender sees the fault', async () => {
    const { app, queued } = appWith();
    const res = await post(app, {}, { 'X-Medplum-Deleted-Resource': 'not a reference' });
    expect(res.status).toBe(422);
    expect(queued).toEqual([]);
  });

  it('treats an empty body as a ping of the sending source', async () => {
    const { app, queued, pings } = appWith();
    const res = await post(app, '');
    expect(res.status).toBe(202);
    expect(queued).toHaveLength(0);
    expect(pings).toEqual(['hix']);
  });

  it('accepts a body signed with the HMAC secret of another source', async () => {
    const { app, queued } = appWith();
    const body = JSON.stringify(loadNotificationFixture('medication-request'));
    const res = await post(app, body, { authorization: '', ...signRequest(SECRET, body) });
    expect(res.status).toBe(202);
    expect(queued[0]?.source).toBe('engine');
  });

  it('answers 503 with an OperationOutcome and Retry-After when the queue is unavailable', async () => {
    const { app } = appWith({ failQueue: true });
    const res = await post(app, loadNotificationFixture('medication-request'));
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBeDefined();
    expect(res.body.issue[0].code).toBe('transient');
  });

  it.each([
    ['no credentials', loadNotificationFixture('medication-request'), { authorization: '' }, 401, 'login'],
    [
      'a wrong token',
      loadNotificationFixture('medication-request'),
      { authorization: 'Bearer nope-nope-nope-nope' },
      401,
      'login',
    ],
    [
      'a bad signature',
      loadNotificationFixture('medication-request'),
      { authorization: '', 'x-sdm-timestamp': String(Math.floor(Date.now() / 1000)), 'x-sdm-signature': 'v1=00' },
      401,
      'login',
    ],
    ['unparseable JSON', '{"resourceType": ', {}, 400, 'invalid'],
    ['JSON that is not FHIR', { hello: 'world' }, {}, 400, undefined],
    [
      'a wrong content type',
      loadNotificationFixture('medication-request'),
      { 'content-type': 'text/plain' },
      415,
      'invalid',
    ],
    ['a searchset Bundle', { resourceType: 'Bundle', type: 'searchset', entry: [] }, {}, 422, undefined],
    ['a resource without id', { resourceType: 'MedicationRequest', status: 'active' }, {}, 422, undefined],
  ])('refuses %s', async (_name, body, headers, status, code) => {
    const { app, queued } = appWith();
    const res = await post(app, body, headers as Record<string, string>);
    expect(res.status).toBe(status);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.body.issue.length).toBeGreaterThan(0);
    if (code) expect(res.body.issue[0].code).toBe(code);
    expect(queued).toHaveLength(0);
  });

  it('refuses a body over the size limit with 413', async () => {
    const { app, queued } = appWith({ maxBodyBytes: 2048 });
    const big = { ...loadNotificationFixture('medication-request'), note: [{ text: 'x'.repeat(4096) }] };
    const res = await post(app, big);
    expect(res.status).toBe(413);
    expect(res.body.issue[0].code).toBe('too-costly');
    expect(queued).toHaveLength(0);
  });

  it('accepts but does not queue resources no trigger listens to', async () => {
    const { app, queued } = appWith();
    const res = await post(app, {
      resourceType: 'Observation',
      id: 'o1',
      meta: { versionId: '1' },
      status: 'final',
      code: { text: 'x' },
    });
    expect(res.status).toBe(202);
    expect(queued).toHaveLength(0);
  });

  it('answers unknown routes with a 404 OperationOutcome', async () => {
    const { app } = appWith();
    const res = await request(app).get('/nope');
    expect(res.status).toBe(404);
    expect(res.body.issue[0].code).toBe('not-found');
  });
});
