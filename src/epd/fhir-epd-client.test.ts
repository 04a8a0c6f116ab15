import { jest } from '@jest/globals';
import type { Task } from '@medplum/fhirtypes';
import nock from 'nock';
import type { EpdClient } from './epd-client.js';
import { epdFailure } from '../../test/helpers/epd-failure.js';
import { createEpdClient, type EpdAuth } from './fhir-epd-client.js';

const ORIGIN = 'https://epd.test.example.org';
const BASE = `${ORIGIN}/fhir`;
const TOKEN_URL = 'https://login.test.example.org/oauth2/token';
const FHIR_JSON = { 'content-type': 'application/fhir+json' };
const TASK: Task = { resourceType: 'Task', id: 't1', status: 'requested', intent: 'proposal' };
const credentials: EpdAuth = {
  type: 'client-credentials',
  tokenUrl: TOKEN_URL,
  clientId: 'sdm-bridge',
  clientSecret: 's3cret',
  scope: 'system/*.rs',
};

function client(auth: EpdAuth = { type: 'none' }, timeoutMs = 2000): EpdClient {
  return createEpdClient({ baseUrl: BASE, auth, timeoutMs });
}

const failure = epdFailure;

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]);
});
afterAll(() => nock.enableNetConnect());

describe('createEpdClient: faults', () => {
  it('503 → retry, status kept', async () => {
    nock(ORIGIN).get('/fhir/Task/t1').reply(503, 'upstream down');
    expect(await failure(client().read('Task/t1'))).toMatchObject({ status: 503, retry: true });
  });

  it.each([
    ['seconds', '7', 7000],
    ['an HTTP date', () => new Date(Date.now() + 30_000).toUTCString(), 30_000],
  ])('429 with Retry-After in %s → retryAfterMs', async (_kind, header, ms) => {
    const value = typeof header === 'function' ? header() : header;
    nock(ORIGIN).get('/fhir/Task/t1').reply(429, '', { 'retry-after': value });
    const error = await failure(client().read('Task/t1'));
    expect(error).toMatchObject({ status: 429, retry: true });
    expect(error.retryAfterMs).toBeGreaterThan(ms - 2000);
    expect(error.retryAfterMs).toBeLessThanOrEqual(ms);
  });

  it('404 → no retry, with the issue code and a hash, never the OperationOutcome text or the query', async () => {
    const outcome = {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'not-found', details: { text: 'Unknown resource type' } }],
    };
    nock(ORIGIN).get('/fhir/Task').query(true).reply(404, outcome, FHIR_JSON);
    const error = await failure(
      client().search('Task', { patient: 'Patient/1', identifier: 'http://fhir.nl/fhir/NamingSystem/bsn|999911120' }),
    );
    expect(error).toMatchObject({ status: 404, retry: false });
    expect(error.message).toMatch(/: not-found \(text #[0-9a-f]{12}\)$/); // texts may quote patient data
    expect(error.message).not.toContain('Unknown resource type');
    expect(error.message).not.toContain('999911120');
    expect(error.cause).toBeUndefined();
  });

  it('timeout → status 0, retry', async () => {
    nock(ORIGIN).get('/fhir/Task/t1').delay(1000).reply(200, TASK, FHIR_JSON);
    const error = await failure(client({ type: 'none' }, 100).read('Task/t1'));
    expect(error).toMatchObject({ status: 0, retry: true });
    expect(error.message).toContain('timed out');
  });

  it('connection reset → status 0, retry', async () => {
    nock(ORIGIN).get('/fhir/Task/t1').replyWithError({ code: 'ECONNRESET', message: 'socket hang up' });
    expect(await failure(client().read('Task/t1'))).toMatchObject({ status: 0, retry: true });
  });

  it.each(['Task', 'Task/', 'task/1', 'Task/1/_history', 'Task/a b', '../Task/1'])(
    'refuses reference %j without a request',
    async (reference) => {
      expect(await failure(client().read(reference))).toMatchObject({ status: 400, retry: false });
    },
  );
});

describe('createEpdClient: auth', () => {
  it('sends a static bearer token', async () => {
    nock(ORIGIN, { reqheaders: { authorization: 'Bearer static-token' } })
      .get('/fhir/Task/t1')
      .reply(200, TASK, FHIR_JSON);
    await expect(client({ type: 'bearer', token: 'static-token' }).read('Task/t1')).resolves.toMatchObject({
      id: 't1',
    });
  });

  it('fetches an OAuth2 token once and reuses it across calls', async () => {
    const token = nock('https://login.test.example.org')
      .post('/oauth2/token', {
        grant_type: 'client_credentials',
        client_id: 'sdm-bridge',
        client_secret: 's3cret',
        scope: 'system/*.rs',
      })
      .once()
      .reply(200, { access_token: 'tok-1', token_type: 'Bearer', expires_in: 3600 });
    nock(ORIGIN, { reqheaders: { authorization: 'Bearer tok-1' } })
      .get('/fhir/Task/t1')
      .times(3)
      .reply(200, TASK, FHIR_JSON);
    const epd = client(credentials);
    await Promise.all([epd.read('Task/t1'), epd.read('Task/t1')]);
    await epd.read('Task/t1');
    expect(token.isDone()).toBe(true);
  });

  it('renews a token before it expires: a minute before, or halfway for a short-lived one', async () => {
    const token = nock('https://login.test.example.org')
      .post('/oauth2/token')
      .twice()
      .reply(200, { access_token: 'short', expires_in: 59 });
    nock(ORIGIN, { reqheaders: { authorization: 'Bearer short' } })
      .get('/fhir/Task/t1')
      .times(3)
      .reply(200, TASK, FHIR_JSON);
    const epd = client(credentials);
    const start = Date.now();
    await epd.read('Task/t1');
    await epd.read('Task/t1'); // 59 s left: not fetched again for every call
    const now = jest.spyOn(Date, 'now').mockReturnValue(start + 30_000); // under half its lifetime left: renewed
    await epd.read('Task/t1');
    now.mockRestore();
    expect(token.isDone()).toBe(true);
  });

  it('fetches a new token after a 401, once', async () => {
    nock('https://login.test.example.org').post('/oauth2/token').reply(200, { access_token: 'old', expires_in: 3600 });
    nock('https://login.test.example.org').post('/oauth2/token').reply(200, { access_token: 'new', expires_in: 3600 });
    nock(ORIGIN, { reqheaders: { authorization: 'Bearer old' } })
      .get('/fhir/Task/t1')
      .reply(401);
    nock(ORIGIN, { reqheaders: { authorization: 'Bearer new' } })
      .get('/fhir/Task/t1')
      .twice()
      .reply(200, TASK, FHIR_JSON);
    const epd = client(credentials);
    await expect(epd.read('Task/t1')).resolves.toMatchObject({ id: 't1' });
    await expect(epd.read('Task/t1')).resolves.toMatchObject({ id: 't1' }); // the new token is cached
  });

  it('gives up after a second 401', async () => {
    nock('https://login.test.example.org')
      .post('/oauth2/token')
      .twice()
      .reply(200, { access_token: 'refused', expires_in: 3600 });
    nock(ORIGIN).get('/fhir/Task/t1').twice().reply(401);
    expect(await failure(client(credentials).read('Task/t1'))).toMatchObject({ status: 401, retry: false });
  });

  it('reports a refused client without the secret', async () => {
    nock('https://login.test.example.org').post('/oauth2/token').reply(401, { error: 'invalid_client' });
    const error = await failure(client(credentials).read('Task/t1'));
    expect(error).toMatchObject({ status: 401, retry: false });
    expect(error.message).toContain('invalid_client');
    expect(error.message).not.toContain('s3cret');
  });
});

describe('createEpdClient: HTTP', () => {
  it('sends FHIR JSON', async () => {
    nock(ORIGIN, { reqheaders: { accept: 'application/fhir+json', 'content-type': 'application/fhir+json' } })
      .post('/fhir/Task', (body) => body.resourceType === 'Task')
      .reply(201, TASK, FHIR_JSON);
    await expect(client().createIfNoneExist(TASK, 'identifier=x|1')).resolves.toEqual({
      resource: TASK,
      created: true,
    });
  });

  it('repeats a search parameter given as a list', async () => {
    nock(ORIGIN)
      .get('/fhir/Task')
      .query({ status: ['requested', 'ready'] })
      .reply(200, { resourceType: 'Bundle', type: 'searchset' }, FHIR_JSON);
    await expect(client().search('Task', { status: ['requested', 'ready'] })).resolves.toEqual([]);
  });

  it('refuses a 2xx answer that is not JSON, without retrying', async () => {
    nock(ORIGIN).get('/fhir/Task/t1').reply(200, '<html>login</html>', { 'content-type': 'text/html' });
    const error = await failure(client().read('Task/t1'));
    expect(error).toMatchObject({ status: 502, retry: false });
    expect(error.message).toContain('not JSON');
  });
});

describe('createEpdClient: batch reads', () => {
  const URLS = ['Patient/p1', 'Consent?patient=Patient%2Fp1&status=active'];
  const patient = { resourceType: 'Patient', id: 'p1' };
  const searchset = { resourceType: 'Bundle', type: 'searchset', entry: [] };
  /** One by one, a search is run with paging and answered with all its matches. */
  const allMatches = { ...searchset, total: 0 };

  it('sends one batch Bundle and answers in order', async () => {
    let sent: unknown;
    nock(ORIGIN)
      .post('/fhir/', (body) => ((sent = body), true))
      .reply(
        200,
        {
          resourceType: 'Bundle',
          type: 'batch-response',
          entry: [
            { resource: patient, response: { status: '200 OK' } },
            { resource: searchset, response: { status: '200 OK' } },
          ],
        },
        FHIR_JSON,
      );
    expect(await client().readBatch(URLS)).toEqual([{ resource: patient }, { resource: searchset }]);
    expect(sent).toMatchObject({
      resourceType: 'Bundle',
      type: 'batch',
      entry: URLS.map((url) => ({ request: { method: 'GET', url } })),
    });
  });

  it('asks one by one when the EPD refuses batches, and does not ask for a batch again', async () => {
    const epd = client();
    nock(ORIGIN)
      .post('/fhir/')
      .reply(
        405,
        { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-supported' }] },
        FHIR_JSON,
      );
    nock(ORIGIN).get('/fhir/Patient/p1').twice().reply(200, patient, FHIR_JSON);
    nock(ORIGIN)
      .get('/fhir/Consent')
      .query({ patient: 'Patient/p1', status: 'active' })
      .twice()
      .reply(200, searchset, FHIR_JSON);
    expect(await epd.readBatch(URLS)).toEqual([{ resource: patient }, { resource: allMatches }]);
    expect(await epd.readBatch(URLS)).toEqual([{ resource: patient }, { resource: allMatches }]); // no second POST: nock would refuse it
  });

  it('keeps a one-by-one failure as the answer of that entry', async () => {
    const epd = client();
    nock(ORIGIN).post('/fhir/').reply(501, '');
    nock(ORIGIN)
      .get('/fhir/Patient/p1')
      .reply(404, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found' }] }, FHIR_JSON);
    nock(ORIGIN).get('/fhir/Consent').query(true).reply(200, searchset, FHIR_JSON);
    const [first, second] = await epd.readBatch(URLS);
    expect(first).toMatchObject({ error: { status: 404, retry: false } });
    expect(second).toEqual({ resource: allMatches });
  });

  it('fails the whole batch on a fault another attempt can cure (503), without giving up on batches', async () => {
    const epd = client();
    nock(ORIGIN).post('/fhir/').reply(503, 'down');
    expect(await failure(epd.readBatch(URLS))).toMatchObject({ status: 503, retry: true });
    nock(ORIGIN)
      .post('/fhir/')
      .reply(
        200,
        {
          resourceType: 'Bundle',
          type: 'batch-response',
          entry: [
            { resource: patient, response: { status: '200' } },
            { resource: searchset, response: { status: '200' } },
          ],
        },
        FHIR_JSON,
      );
    expect(await epd.readBatch(URLS)).toEqual([{ resource: patient }, { resource: searchset }]);
  });
});

// nock patches node:http for the whole worker process; undo it so later test files get the real one.
afterAll(() => nock.restore());
