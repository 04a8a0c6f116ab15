import type { Bundle, BundleEntry, Task } from '@medplum/fhirtypes';
import nock from 'nock';
import { epdFailure as failure } from '../../test/helpers/epd-failure.js';
import type { EpdClient } from './epd-client.js';
import { createEpdClient } from './fhir-epd-client.js';

const ORIGIN = 'https://epd.test.example.org';
const BASE = `${ORIGIN}/fhir`;
const FHIR_JSON = { 'content-type': 'application/fhir+json' };
const INVITATION = 'identifier=https://sdm-bridge.org/fhir/NamingSystem/invitation|i1';
const TASK: Task = { resourceType: 'Task', id: 't1', status: 'requested', intent: 'proposal' };
/** What a Postgres-backed FHIR server answers when two conditional creates meet (Medplum 4.5, SERIALIZABLE). */
const SERIALIZATION_CONFLICT = {
  resourceType: 'OperationOutcome',
  issue: [{ severity: 'error', code: 'conflict', details: { text: 'could not serialize access' } }],
};

/** Conflicts are tried again after 1–2 ms here, so the tests do not wait. */
function client(options: { trustedBaseUrls?: string[] } = {}): EpdClient {
  return createEpdClient({
    baseUrl: BASE,
    auth: { type: 'bearer', token: 'epd-token' },
    timeoutMs: 2000,
    conflictRetry: { tries: 3, backoffMs: 1 },
    ...options,
  });
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending).toEqual([]); // every expected request was made, and (nock refuses the rest) no other
});
afterAll(() => nock.enableNetConnect());

function page(ids: string[], next?: string): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    link: next ? [{ relation: 'next', url: next }] : [],
    entry: [
      ...ids.map((id) => ({ resource: { ...TASK, id }, search: { mode: 'match' as const } })),
      { resource: { resourceType: 'Patient', id: 'p1' }, search: { mode: 'include' as const } },
      { resource: { resourceType: 'OperationOutcome', issue: [] }, search: { mode: 'outcome' as const } },
    ],
  };
}

describe('createEpdClient: paging', () => {
  it('follows next links and keeps only matches of the searched type', async () => {
    nock(ORIGIN)
      .get('/fhir/Task')
      .query({ patient: 'Patient/p1', _count: '2' })
      .reply(200, page(['a', 'b'], `${BASE}/Task?page=2`), FHIR_JSON);
    nock(ORIGIN)
      .get('/fhir/Task')
      .query({ page: '2' })
      .reply(200, page(['c']), FHIR_JSON);
    const found = await client().search<Task>('Task', { patient: 'Patient/p1', _count: '2' });
    expect(found.map((t) => t.id)).toEqual(['a', 'b', 'c']);
  });

  it.each([
    // A server builds its links from its own base URL: behind a proxy, another scheme, host and port.
    ['another host with the same path', 'http://medplum-internal:8103/fhir/Task?page=2', {}],
    [
      'a trusted base (EPD_TRUSTED_BASE_URLS)',
      'http://fhir:8103/R4/Task?page=2',
      { trustedBaseUrls: ['http://fhir:8103/R4'] },
    ],
  ])('re-bases a next link on %s onto EPD_BASE_URL, with the token', async (_case, next, options) => {
    nock(ORIGIN)
      .get('/fhir/Task')
      .query(true)
      .reply(200, page(['a'], next), FHIR_JSON);
    nock(ORIGIN, { reqheaders: { authorization: 'Bearer epd-token' } })
      .get('/fhir/Task')
      .query({ page: '2' })
      .reply(200, page(['b']), FHIR_JSON);
    // Nothing is set up for the link's own host: a request there would fail the search.
    const found = await client(options).search<Task>('Task', {});
    expect(found.map((t) => t.id)).toEqual(['a', 'b']);
  });

  it('refuses a next link with another path prefix, for good, without following it', async () => {
    const next = 'https://epd.test.example.org/admin/export?page=2';
    nock(ORIGIN)
      .get('/fhir/Task')
      .query(true)
      .reply(200, page(['a'], next), FHIR_JSON);
    const error = await failure(client().search('Task', {}));
    expect(error).toMatchObject({ status: 502, retry: false });
    expect(error.message).toContain('EPD_TRUSTED_BASE_URLS');
  });
});

describe('createEpdClient: conditional create', () => {
  it.each([
    [201, true],
    [200, false],
  ])('HTTP %i → created %s', async (status, created) => {
    nock(ORIGIN, { reqheaders: { 'if-none-exist': INVITATION } })
      .post('/fhir/Task')
      .reply(status, TASK, FHIR_JSON);
    expect(await client().createIfNoneExist(TASK, INVITATION)).toEqual({ resource: TASK, created });
  });

  it('reads the resource when the EPD answers a match without a body', async () => {
    nock(ORIGIN)
      .post('/fhir/Task')
      .reply(200, '', { location: `${BASE}/Task/t1/_history/4` });
    nock(ORIGIN).get('/fhir/Task/t1').reply(200, TASK, FHIR_JSON);
    expect(await client().createIfNoneExist(TASK, INVITATION)).toEqual({ resource: TASK, created: false });
  });

  it('after a 409 tries again and finds what the concurrent write made', async () => {
    nock(ORIGIN).post('/fhir/Task').reply(409, SERIALIZATION_CONFLICT, FHIR_JSON);
    nock(ORIGIN, { reqheaders: { 'if-none-exist': INVITATION } })
      .post('/fhir/Task')
      .reply(200, TASK, FHIR_JSON);
    expect(await client().createIfNoneExist(TASK, INVITATION)).toEqual({ resource: TASK, created: false });
  });

  it('after three conflicts gives up with a retryable error, so the job tries again later', async () => {
    nock(ORIGIN).post('/fhir/Task').times(3).reply(409, SERIALIZATION_CONFLICT, FHIR_JSON);
    const error = await failure(client().createIfNoneExist(TASK, INVITATION));
    expect(error).toMatchObject({ status: 409, retry: true });
    expect(error.problems[0]?.code).toBe('conflict');
  });
});

describe('createEpdClient: update', () => {
  it('tries a 409 on a plain update again', async () => {
    nock(ORIGIN).put('/fhir/Task/t1').reply(409, SERIALIZATION_CONFLICT, FHIR_JSON);
    nock(ORIGIN).put('/fhir/Task/t1').reply(200, TASK, FHIR_JSON);
    expect(await client().update({ ...TASK, id: 't1' })).toEqual(TASK);
  });

  it('412 on If-Match: retryable for the job, which reads the Task again, but not repeated here', async () => {
    const outcome = {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'conflict', details: { text: 'Precondition failed' } }],
    };
    nock(ORIGIN, { reqheaders: { 'if-match': 'W/"3"' } })
      .put('/fhir/Task/t1')
      .once()
      .reply(412, outcome); // a second PUT would find no answer here and fail with another error
    const error = await failure(client().update({ ...TASK, id: 't1' }, { ifMatch: '3' }));
    expect(error).toMatchObject({ status: 412, retry: true });
    expect(error.problems[0]).toEqual({ code: 'conflict', message: 'conflict' }); // the issue code, not its text
  });
});

describe('createEpdClient: transaction', () => {
  const entry = (value: string, ifNoneExist = true): BundleEntry => ({
    resource: { ...TASK, id: undefined, identifier: [{ value }] },
    request: { method: 'POST', url: 'Task', ...(ifNoneExist ? { ifNoneExist: `identifier=${value}` } : {}) },
  });
  const bundle = (...entries: BundleEntry[]): Bundle => ({
    resourceType: 'Bundle',
    type: 'transaction',
    entry: entries,
  });
  const answer = (...statuses: string[]): Bundle => ({
    resourceType: 'Bundle',
    type: 'transaction-response',
    entry: statuses.map((status, i) => ({
      response: { status, ...(status.startsWith('2') ? { location: `Task/x${i}/_history/1` } : {}) },
    })),
  });

  it('sends conditional creates again when one entry of an HTTP 200 answer is a 409', async () => {
    nock(ORIGIN).post('/fhir/').reply(200, answer('201', '409'), FHIR_JSON);
    nock(ORIGIN).post('/fhir/').reply(200, answer('200', '201'), FHIR_JSON);
    const result = await client().transaction(bundle(entry('a'), entry('b')));
    expect(result.entry?.map((e) => e.response?.status)).toEqual(['200', '201']);
  });

  it('gives up after three tries with the entry as a retryable error', async () => {
    nock(ORIGIN).post('/fhir/').times(3).reply(200, answer('201', '409 Conflict'), FHIR_JSON);
    const error = await failure(client().transaction(bundle(entry('a'), entry('b'))));
    expect(error).toMatchObject({ status: 409, retry: true });
    expect(error.message).toContain('POST Task (entry 2)');
  });

  it('does not send a transaction with a plain create twice: the answer goes back as it is', async () => {
    nock(ORIGIN).post('/fhir/').once().reply(200, answer('201', '409'), FHIR_JSON);
    const result = await client().transaction(bundle(entry('a'), entry('b', false)));
    expect(result.entry?.map((e) => e.response?.status)).toEqual(['201', '409']);
  });
});

// nock patches node:http for the whole worker process; undo it so later test files get the real one.
afterAll(() => nock.restore());
