import type { Bundle, Task } from '@medplum/fhirtypes';
import nock from 'nock';
import { startFhirSandbox, type FhirSandbox } from '../sandbox/fhir-server.js';
import type { EpdClient } from './epd-client.js';
import { EpdError } from './epd-error.js';
import { createEpdClient } from './fhir-epd-client.js';
import { createFakeEpdClient } from './fake-epd-client.js';

const SYSTEM = 'https://sdm-bridge.org/fhir/NamingSystem/invitation';

function task(value: string): Task {
  return {
    resourceType: 'Task',
    status: 'requested',
    intent: 'proposal',
    identifier: [{ system: SYSTEM, value }],
    for: { reference: 'Patient/p1' },
  };
}

/** What a call ended in, without server-assigned ids: `ok …` or `error <status> <retry>`. */
async function outcome<T>(promise: Promise<T>, describe: (value: T) => unknown): Promise<unknown> {
  try {
    return ['ok', describe(await promise)];
  } catch (err) {
    if (!(err instanceof EpdError)) throw err;
    return ['error', err.status, err.retry];
  }
}

/** The same conversation with an EPD, written down so two clients can be compared. */
async function transcript(epd: EpdClient): Promise<unknown[]> {
  const first = await epd.createIfNoneExist(task('c1'), `identifier=${SYSTEM}|c1`);
  const id = first.resource.id ?? '';
  const v1 = first.resource.meta?.versionId ?? '';
  const bundle: Bundle = {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: ['t1', 't2'].map((value) => ({
      resource: task(value),
      request: { method: 'POST', url: 'Task', ifNoneExist: `identifier=${SYSTEM}|${value}` },
    })),
  };
  for (const value of ['s1', 's2', 's3', 's4', 's5'])
    await epd.createIfNoneExist(task(value), `identifier=${SYSTEM}|${value}`);
  return [
    first.created,
    await outcome(epd.createIfNoneExist(task('c1'), `identifier=${SYSTEM}|c1`), (r) => [
      r.created,
      r.resource.id === id,
    ]),
    await outcome(epd.update({ ...first.resource, id, status: 'in-progress' }, { ifMatch: v1 }), (t) => t.status),
    await outcome(epd.update({ ...first.resource, id, status: 'completed' }, { ifMatch: v1 }), (t) => t.status),
    await outcome(epd.read<Task>(`Task/${id}`), (t) => t.status),
    await outcome(epd.read<Task>(`Task/${id}/_history/${v1}`), (t) => t.status),
    await outcome(epd.read<Task>('Task/does-not-exist'), (t) => t.id),
    await outcome(epd.read<Task>(`Task/${id}/_history/no-such-version`), (t) => t.id),
    await outcome(epd.search<Task>('Task', { identifier: `${SYSTEM}|c1` }), (found) => found.map((t) => t.id === id)),
    await outcome(epd.search<Task>('Task', { patient: 'Patient/p1', _count: '2' }), (found) => found.length),
    await outcome(
      epd.search<Task>('Task', { status: ['requested', 'in-progress'].join(',') }),
      (found) => found.length,
    ),
    await outcome(epd.transaction(bundle), (b) => b.entry?.map((e) => e.response?.status)),
    await outcome(epd.transaction(bundle), (b) => b.entry?.map((e) => e.response?.status)),
    // A condition that matches two resources cannot say which one is meant.
    await outcome(epd.createIfNoneExist(task('s1'), `identifier=${SYSTEM}|s1,${SYSTEM}|s2`), (r) => r.created),
    await outcome(
      epd.readBatch([`Task/${id}`, `Task?identifier=${encodeURIComponent(`${SYSTEM}|s3`)}`, 'Task/does-not-exist']),
      (answers) =>
        answers.map((a) =>
          'error' in a
            ? ['error', a.error.status, a.error.retry]
            : [
                a.resource.resourceType,
                a.resource.resourceType === 'Bundle' ? (a.resource as Bundle).entry?.length : a.resource.id === id,
              ],
        ),
    ),
  ];
}

describe('createFakeEpdClient behaves like createEpdClient on the FHIR sandbox', () => {
  let sandbox: FhirSandbox;
  beforeAll(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
    sandbox = await startFhirSandbox();
  });
  afterAll(async () => {
    await sandbox.close();
    nock.enableNetConnect();
  });

  it('gives the same answers to the same calls', async () => {
    const real = await transcript(
      createEpdClient({ baseUrl: sandbox.baseUrl, auth: { type: 'none' }, timeoutMs: 30_000 }),
    );
    const fake = await transcript(createFakeEpdClient());
    expect(real).toEqual([
      true,
      ['ok', [false, true]],
      ['ok', 'in-progress'],
      ['error', 412, true], // a conflict: the job tries again
      ['ok', 'in-progress'],
      ['ok', 'requested'],
      ['error', 404, false],
      ['error', 404, false],
      ['ok', [true]],
      ['ok', 6],
      ['ok', 6],
      ['ok', ['201', '201']],
      ['ok', ['200', '200']],
      ['error', 412, true], // a conflict: the job tries again
      [
        'ok',
        [
          ['Task', true],
          ['Bundle', 1],
          ['error', 404, false],
        ],
      ],
    ]);
    expect(fake).toEqual(real);
  });
});

// nock patches node:http for the whole worker process; undo it so later test files get the real one.
afterAll(() => nock.restore());
