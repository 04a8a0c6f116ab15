import { parseSearchRequest } from '@medplum/core';
import type { Bundle, CapabilityStatement, OperationOutcome, Patient, Task } from '@medplum/fhirtypes';
import { startFhirSandbox, type FhirSandbox } from './fhir-server.js';
import { FHIR_SYSTEMS } from './fhir-systems.js';
import { seedSandbox } from './seed-patients.js';

const FHIR_JSON = 'application/fhir+json';

let sandbox: FhirSandbox;
beforeAll(async () => {
  sandbox = await startFhirSandbox();
});
afterAll(async () => {
  await sandbox.close();
});

async function call<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${sandbox.baseUrl}/${path}`, {
    method,
    headers: { accept: FHIR_JSON, ...(body === undefined ? {} : { 'content-type': FHIR_JSON }), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as T };
}

function task(value: string): Task {
  return {
    resourceType: 'Task',
    status: 'requested',
    intent: 'proposal',
    identifier: [{ system: 'https://sdm-bridge.org/fhir/NamingSystem/invitation', value }],
    for: { reference: 'Patient/child7' },
  };
}

describe('startFhirSandbox', () => {
  it('listens on loopback under /fhir on an ephemeral port', () => {
    expect(sandbox.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/fhir$/);
  });

  it('serves a CapabilityStatement for R4', async () => {
    const res = await call<CapabilityStatement>('GET', 'metadata');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain(FHIR_JSON);
    expect(res.body).toMatchObject({ resourceType: 'CapabilityStatement', fhirVersion: '4.0.1', kind: 'instance' });
    const taskEntry = res.body.rest?.[0]?.resource?.find((r) => r.type === 'Task');
    expect(taskEntry?.interaction?.map((i) => i.code)).toEqual(
      expect.arrayContaining(['create', 'read', 'vread', 'update', 'search-type']),
    );
    expect(res.body.rest?.[0]?.resource?.some((r) => r.type === 'Project')).toBe(false);
  });

  it('creates with 201, Location and a weak ETag of the version', async () => {
    const res = await call<Task>('POST', 'Task', task('create-1'));
    expect(res.status).toBe(201);
    const { id, meta } = res.body;
    expect(res.headers.get('etag')).toBe(`W/"${meta?.versionId}"`);
    expect(res.headers.get('location')).toBe(`${sandbox.baseUrl}/Task/${id}/_history/${meta?.versionId}`);
  });

  it('dedupes a POST with If-None-Exist: 201, then 200 with the same resource', async () => {
    const headers = { 'if-none-exist': 'identifier=https://sdm-bridge.org/fhir/NamingSystem/invitation|dedupe-1' };
    const first = await call<Task>('POST', 'Task', task('dedupe-1'), headers);
    const second = await call<Task>('POST', 'Task', task('dedupe-1'), headers);
    expect([first.status, second.status]).toEqual([201, 200]);
    expect(second.body.id).toBe(first.body.id);
    const found = await sandbox.repo.searchResources(parseSearchRequest('Task?identifier=dedupe-1'));
    expect(found).toHaveLength(1);
  });

  it('dedupes concurrent POSTs with If-None-Exist', async () => {
    const headers = { 'if-none-exist': 'identifier=https://sdm-bridge.org/fhir/NamingSystem/invitation|dedupe-2' };
    const results = await Promise.all(
      Array.from({ length: 10 }, () => call<Task>('POST', 'Task', task('dedupe-2'), headers)),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
  });

  it('reads, updates with If-Match, refuses a stale If-Match with 412, and reads old versions', async () => {
    const created = (await call<Task>('POST', 'Task', task('update-1'))).body;
    const v1 = created.meta?.versionId ?? '';
    const updated = await call<Task>(
      'PUT',
      `Task/${created.id}`,
      { ...created, status: 'cancelled' },
      { 'if-match': `W/"${v1}"` },
    );
    expect(updated.status).toBe(200);
    const stale = await call<OperationOutcome>(
      'PUT',
      `Task/${created.id}`,
      { ...created, status: 'completed' },
      { 'if-match': `W/"${v1}"` },
    );
    expect(stale.status).toBe(412);
    expect(stale.body.resourceType).toBe('OperationOutcome');
    const read = await call<Task>('GET', `Task/${created.id}`);
    expect(read.body.status).toBe('cancelled');
    expect(read.headers.get('etag')).toBe(`W/"${updated.body.meta?.versionId}"`);
    const old = await call<Task>('GET', `Task/${created.id}/_history/${v1}`);
    expect([old.status, old.body.status]).toEqual([200, 'requested']);
  });

  it('pages a search with next links that reach every match exactly once', async () => {
    for (let i = 0; i < 5; i++)
      await call('POST', 'Task', { ...task(`page-${i}`), for: { reference: 'Patient/paged' } });
    const ids: string[] = [];
    let url: string | undefined = `${sandbox.baseUrl}/Task?patient=Patient/paged&_count=2`;
    let pages = 0;
    while (url) {
      const page = (await (await fetch(url)).json()) as Bundle<Task>;
      ids.push(...(page.entry ?? []).map((e) => e.resource?.id ?? ''));
      url = page.link?.find((l) => l.relation === 'next')?.url;
      pages++;
    }
    expect(pages).toBe(3);
    expect(new Set(ids).size).toBe(5);
  });

  it('finds seeded patients by BSN (search parameters are indexed)', async () => {
    await seedSandbox(sandbox.repo);
    const res = await call<Bundle<Patient>>('GET', `Patient?identifier=${FHIR_SYSTEMS.bsn}|999911120`);
    expect(res.body.entry?.map((e) => e.resource?.id)).toEqual(['child7']);
  });

  it('follows references with _include and _revinclude, and searches through them (chained)', async () => {
    const child = (await call<Patient>('POST', 'Patient', { resourceType: 'Patient', name: [{ family: 'Chainsma' }] }))
      .body;
    const invitation = (
      await call<Task>('POST', 'Task', { ...task('chain-1'), for: { reference: `Patient/${child.id}` } })
    ).body;
    const entries = (bundle: Bundle) =>
      bundle.entry?.map((e) => `${e.search?.mode} ${e.resource?.resourceType}/${e.resource?.id}`);

    const included = await call<Bundle>('GET', `Task?identifier=chain-1&_include=Task:patient`);
    expect(entries(included.body)).toEqual([`match Task/${invitation.id}`, `include Patient/${child.id}`]);
    expect(included.body.total).toBe(1); // the matches only
    const revIncluded = await call<Bundle>('GET', `Patient?_id=${child.id}&_revinclude=Task:patient`);
    expect(entries(revIncluded.body)).toEqual([`match Patient/${child.id}`, `include Task/${invitation.id}`]);

    const chained = await call<Bundle<Task>>('GET', 'Task?patient.family=Chainsma');
    expect(chained.body.entry?.map((e) => e.resource?.id)).toEqual([invitation.id]);
    const typed = await call<Bundle<Task>>('GET', 'Task?subject:Patient.family=Chainsma');
    expect(typed.body.entry?.map((e) => e.resource?.id)).toEqual([invitation.id]);
    // A bare id matches when the parameter has one target type (Task.patient: Patient).
    const bare = await call<Bundle<Task>>('GET', `Task?patient=${child.id}`);
    expect(bare.body.entry?.map((e) => e.resource?.id)).toEqual([invitation.id]);
  });

  it('refuses a DELETE with a stale If-Match', async () => {
    const created = (await call<Task>('POST', 'Task', task('delete-1'))).body;
    const stale = await fetch(`${sandbox.baseUrl}/Task/${created.id}`, {
      method: 'DELETE',
      headers: { 'if-match': 'W/"stale"' },
    });
    expect(stale.status).toBe(412);
    expect((await call<Task>('GET', `Task/${created.id}`)).status).toBe(200);
  });

  it('runs a transaction with conditional creates twice without duplicates', async () => {
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: ['tx-1', 'tx-2'].map((value) => ({
        resource: task(value),
        request: {
          method: 'POST',
          url: 'Task',
          ifNoneExist: `identifier=https://sdm-bridge.org/fhir/NamingSystem/invitation|${value}`,
        },
      })),
    };
    const first = await call<Bundle>('POST', '', bundle);
    const second = await call<Bundle>('POST', '', bundle);
    expect(first.body.type).toBe('transaction-response');
    expect(first.body.entry?.map((e) => e.response?.status)).toEqual(['201', '201']);
    expect(second.body.entry?.map((e) => e.response?.status)).toEqual(['200', '200']);
    expect(await sandbox.repo.searchResources(parseSearchRequest('Task?identifier=tx-1,tx-2'))).toHaveLength(2);
  });

  it.each([
    ['invalid JSON', 'POST', 'Task', '{"resourceType": "Task",', FHIR_JSON, 400],
    ['unsupported content type', 'POST', 'Task', 'hello', 'text/plain', 415],
    ['unknown resource', 'GET', 'Task/does-not-exist', undefined, undefined, 404],
    ['wrong type in body', 'POST', 'Patient', JSON.stringify(task('x')), 'application/json', 400],
    [
      'an oversized body',
      'POST',
      'Task',
      JSON.stringify({ ...task('big'), description: 'x'.repeat(6_000_000) }),
      FHIR_JSON,
      413,
    ],
  ])('answers %s with an OperationOutcome', async (_name, method, path, body, type, status) => {
    const res = await fetch(`${sandbox.baseUrl}/${path}`, {
      method,
      body,
      headers: type ? { 'content-type': type } : {},
    });
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toContain(FHIR_JSON);
    expect(((await res.json()) as OperationOutcome).resourceType).toBe('OperationOutcome');
  });
});
