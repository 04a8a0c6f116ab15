import type { Bundle, Task } from '@medplum/fhirtypes';
import nock from 'nock';
import { startFhirSandbox, type FhirSandbox } from '../sandbox/fhir-server.js';
import type { EpdClient } from './epd-client.js';
import { EpdError } from './epd-error.js';
import { createEpdClient } from './fhir-epd-client.js';

const INVITATION = 'https://sdm-bridge.org/fhir/NamingSystem/invitation';

let sandbox: FhirSandbox;
let epd: EpdClient;

beforeAll(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1'); // the sandbox only
  sandbox = await startFhirSandbox();
  epd = createEpdClient({ baseUrl: sandbox.baseUrl, auth: { type: 'none' }, timeoutMs: 30_000 });
});
afterAll(async () => {
  await sandbox.close();
  nock.enableNetConnect();
});

function task(value: string, patient = 'Patient/p1'): Task {
  return {
    resourceType: 'Task',
    status: 'requested',
    intent: 'proposal',
    identifier: [{ system: INVITATION, value }],
    for: { reference: patient },
  };
}

async function rejection(promise: Promise<unknown>): Promise<EpdError> {
  const error: unknown = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(EpdError);
  return error as EpdError;
}

describe('createEpdClient against the FHIR sandbox', () => {
  it('reads the current version and an earlier one via _history', async () => {
    const v1 = await sandbox.repo.createResource(task('read-1'));
    const v2 = await sandbox.repo.updateResource({ ...v1, status: 'cancelled' });
    await expect(epd.read<Task>(`Task/${v1.id}`)).resolves.toMatchObject({
      status: 'cancelled',
      meta: { versionId: v2.meta?.versionId },
    });
    const old = await epd.read<Task>(`Task/${v1.id}/_history/${v1.meta?.versionId}`);
    expect(old.status).toBe('requested');
    await expect(epd.read<Task>(`${sandbox.baseUrl}/Task/${v1.id}`)).resolves.toMatchObject({ id: v1.id });
  });

  it('answers an unknown resource with a 404 that is not retried', async () => {
    expect(await rejection(epd.read('Task/nope'))).toMatchObject({ status: 404, retry: false });
  });

  it('collects every page of a search', async () => {
    for (let i = 0; i < 7; i++) await sandbox.repo.createResource(task(`page-${i}`, 'Patient/paged'));
    const firstPage = (await (await fetch(`${sandbox.baseUrl}/Task?patient=Patient/paged&_count=3`)).json()) as Bundle;
    expect(firstPage.entry).toHaveLength(3); // so the client below must follow links to see all 7
    const found = await epd.search<Task>('Task', { patient: 'Patient/paged', _count: '3' });
    expect(new Set(found.map((t) => t.id)).size).toBe(7);
  });

  it('creates once with If-None-Exist: created true, then false with the same resource', async () => {
    const query = `identifier=${INVITATION}|cond-1`;
    const first = await epd.createIfNoneExist(task('cond-1'), query);
    const second = await epd.createIfNoneExist(task('cond-1'), query);
    expect([first.created, second.created]).toEqual([true, false]);
    expect(second.resource.id).toBe(first.resource.id);
    expect(await epd.search('Task', { identifier: `${INVITATION}|cond-1` })).toHaveLength(1);
  });

  it('runs a transaction with conditional creates twice without duplicates', async () => {
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: ['tx-a', 'tx-b', 'tx-c'].map((value) => ({
        resource: task(value),
        request: { method: 'POST', url: 'Task', ifNoneExist: `identifier=${INVITATION}|${value}` },
      })),
    };
    const first = await epd.transaction(bundle);
    const second = await epd.transaction(bundle);
    expect(first.type).toBe('transaction-response');
    expect(first.entry?.map((e) => e.response?.status)).toEqual(['201', '201', '201']);
    expect(second.entry?.map((e) => e.response?.status)).toEqual(['200', '200', '200']);
    expect(
      await epd.search('Task', { identifier: ['tx-a', 'tx-b', 'tx-c'].map((v) => `${INVITATION}|${v}`).join(',') }),
    ).toHaveLength(3);
  });

  it('updates with If-Match, and refuses a stale one with 412 that the job retries after reading again', async () => {
    const { resource } = await epd.createIfNoneExist(task('lock-1'), `identifier=${INVITATION}|lock-1`);
    const stale = resource.meta?.versionId ?? '';
    const updated = await epd.update({ ...resource, id: resource.id ?? '', status: 'in-progress' }, { ifMatch: stale });
    expect(updated.status).toBe('in-progress');
    const error = await rejection(
      epd.update({ ...resource, id: resource.id ?? '', status: 'completed' }, { ifMatch: stale }),
    );
    expect(error).toMatchObject({ status: 412, retry: true });
    await expect(epd.read<Task>(`Task/${resource.id}`)).resolves.toMatchObject({ status: 'in-progress' });
  });
});

// nock patches node:http for the whole worker process; undo it so later test files get the real one.
afterAll(() => nock.restore());
