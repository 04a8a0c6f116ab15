import { parseSearchRequest } from '@medplum/core';
import type { Bundle, OperationOutcome, Task } from '@medplum/fhirtypes';
import type { IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { startLoopbackServer, type LoopbackServer } from '../../test/helpers/loopback-server.js';
import { startFhirSandbox, type FhirSandbox } from './fhir-server.js';
import { DELETED_RESOURCE_HEADER } from './rest-hook.js';
import { SERIALIZATION_FAILURE, type StrictMemoryRepository } from './strict-repository.js';
import { STRICT_LINK_BASE } from './strict-requests.js';

/**
 * The strict mode of the sandbox, each behaviour over HTTP, as a Medplum server 4.5 on PostgreSQL
 * was seen to behave (issue #15).
 */
const FHIR_JSON = 'application/fhir+json';
const INVITATION = 'https://sdm-bridge.org/fhir/NamingSystem/invitation';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** One notification the rest-hook receiver got. */
interface Received {
  body: unknown;
  deleted: string | undefined;
}

let sandbox: FhirSandbox;
let receiver: LoopbackServer;
const received: Received[] = [];

beforeAll(async () => {
  receiver = await startLoopbackServer((req, res) => {
    void readBody(req).then((body) => {
      const deleted = req.headers[DELETED_RESOURCE_HEADER.toLowerCase()] as string | undefined;
      received.push({ body, deleted });
      // The service before delete notifications were understood: 400 to `{}`, so the sender gives up.
      res.writeHead(deleted ? 400 : 200).end();
    });
  });
  sandbox = await startFhirSandbox({
    strict: {
      transactionMs: 100, // wide enough for a test to start a second write inside the first
      restHook: { url: `${receiver.origin}/notify`, types: ['Task'], retryWaitsMs: [5, 5, 5] },
    },
  });
});
afterAll(async () => {
  await sandbox.close();
  await receiver.close();
});

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString() || 'null');
}

async function call<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(path.startsWith('http') ? path : `${sandbox.baseUrl}/${path}`, {
    method,
    headers: { accept: FHIR_JSON, ...(body === undefined ? {} : { 'content-type': FHIR_JSON }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json().catch(() => undefined)) as T };
}

function task(value: string): Task {
  return {
    resourceType: 'Task',
    status: 'requested',
    intent: 'proposal',
    identifier: [{ system: INVITATION, value }],
    for: { reference: 'Patient/child7' },
  };
}

const ifNoneExist = (value: string) => ({ 'if-none-exist': `identifier=${INVITATION}|${value}` });

/** Resolves once a conditional create of the type holds its transaction open in the store. */
async function transactionOpen(resourceType: string): Promise<void> {
  const repo = sandbox.repo as StrictMemoryRepository;
  while (repo.openTransactions(resourceType) === 0) await sleep(1);
}

describe('startFhirSandbox({ strict })', () => {
  it('assigns ids itself: a PUT that would create is refused, an update of an existing resource goes on', async () => {
    const refused = await call<OperationOutcome>('PUT', 'Organization/kinderlongziekten', {
      resourceType: 'Organization',
      id: 'kinderlongziekten',
      name: 'Kinderlongziekten',
    });
    expect(refused.status).toBe(400);
    expect(refused.body.issue?.[0]?.details?.text).toBe('Invalid id');
    const created = await call<Task>('POST', 'Task', task('ids-1'));
    expect(created.status).toBe(201);
    const updated = await call<Task>('PUT', `Task/${created.body.id}`, { ...created.body, status: 'ready' });
    expect(updated.status).toBe(200);
  });

  it('gives UUID version ids, so "version 1 = create" does not hold', async () => {
    const created = await call<Task>('POST', 'Task', task('versions-1'));
    const updated = await call<Task>('PUT', `Task/${created.body.id}`, { ...created.body, status: 'ready' });
    const versions = [created.body.meta?.versionId, updated.body.meta?.versionId];
    for (const version of versions) expect(version).toMatch(UUID);
    expect(versions[0]).not.toBe(versions[1]);
  });

  it('answers 409 to conditional creates that overlap one still open, and writes nothing for them', async () => {
    const first = call<Task>('POST', 'Task', task('race-1'), ifNoneExist('race-1'));
    await transactionOpen('Task');
    const overlapping = await Promise.all([
      call<OperationOutcome>('POST', 'Task', task('race-1'), ifNoneExist('race-1')),
      call<OperationOutcome>('POST', 'Task', task('race-2'), ifNoneExist('race-2')), // another identifier, same type
    ]);
    expect((await first).status).toBe(201);
    for (const answer of overlapping) {
      expect(answer.status).toBe(409);
      expect(answer.body.issue?.[0]).toMatchObject({ code: 'conflict', details: { text: SERIALIZATION_FAILURE } });
    }
    expect(await sandbox.repo.searchResources(parseSearchRequest('Task?identifier=race-1,race-2'))).toHaveLength(1);
    // Tried again once the other committed, the conditional create finds what it made.
    const again = await call<Task>('POST', 'Task', task('race-1'), ifNoneExist('race-1'));
    expect([again.status, again.body.id]).toEqual([200, (await first).body.id]);
  });

  it('lets conditional creates one after the other through', async () => {
    for (const value of ['calm-1', 'calm-2', 'calm-3'])
      expect((await call('POST', 'Task', task(value), ifNoneExist(value))).status).toBe(201);
  });

  it('answers a transaction with HTTP 200 and a status per entry, a 409 among them', async () => {
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: task('tx-race'), request: { method: 'POST', url: 'Task', ifNoneExist: `identifier=tx-race` } },
        {
          fullUrl: 'urn:uuid:6f1d2a8e-5c55-4c8e-9a53-3c1f0e1b2a10',
          resource: { resourceType: 'Patient', name: [{ family: 'Transactiekind' }] },
          request: { method: 'POST', url: 'Patient' },
        },
      ],
    };
    const other = call('POST', 'Task', task('tx-other'), ifNoneExist('tx-other'));
    await transactionOpen('Task');
    const answer = await call<Bundle>('POST', '', bundle);
    await other;
    expect(answer.status).toBe(200);
    expect(answer.body.type).toBe('transaction-response');
    expect(answer.body.entry?.map((e) => e.response?.status)).toEqual(['409', '201']);
    const outcome = answer.body.entry?.[0]?.response?.outcome as OperationOutcome;
    expect(outcome.issue?.[0]?.code).toBe('conflict');
    // Not atomic: the entry that succeeded stays written.
    expect(await sandbox.repo.searchResources(parseSearchRequest('Patient?name=Transactiekind'))).toHaveLength(1);
  });

  it('builds paging links on its configured base: the same path on another host', async () => {
    for (let i = 0; i < 5; i++) await call('POST', 'Task', { ...task(`page-${i}`), for: { reference: 'Patient/p' } });
    const ids: string[] = [];
    let url: string | undefined = `${sandbox.baseUrl}/Task?patient=Patient/p&_count=2`;
    while (url) {
      const page: Bundle<Task> = (await call<Bundle<Task>>('GET', url)).body;
      ids.push(...(page.entry ?? []).map((e) => e.resource!.id!));
      const next = page.link?.find((l) => l.relation === 'next')?.url;
      if (next) expect(next.startsWith(`${STRICT_LINK_BASE}/Task?`)).toBe(true);
      // As a client that re-bases links onto its own base does (src/epd/rebase-page-link.ts).
      url = next?.replace(STRICT_LINK_BASE, sandbox.baseUrl);
    }
    expect(new Set(ids).size).toBe(5);
  });

  it('posts a rest-hook notification per write, and a delete as {} with X-Medplum-Deleted-Resource', async () => {
    received.length = 0;
    const created = await call<Task>('POST', 'Task', task('hook-1'));
    const deleted = await fetch(`${sandbox.baseUrl}/Task/${created.body.id}`, { method: 'DELETE' });
    expect(deleted.status).toBe(200);
    await sandbox.strict!.restHook!.idle();
    const about = received.filter(
      (r) => r.deleted === `Task/${created.body.id}` || (r.body as Task | null)?.id === created.body.id,
    );
    expect(about[0]).toEqual({ body: expect.objectContaining({ id: created.body.id }), deleted: undefined });
    // Refused with 400, the delete is sent four times in all, then given up.
    expect(about.slice(1)).toEqual(Array.from({ length: 4 }, () => ({ body: {}, deleted: `Task/${created.body.id}` })));
    expect(sandbox.strict!.restHook!.counts.givenUp).toBeGreaterThanOrEqual(1);
  });

  it('counts the conflicts it answered', () => {
    expect(sandbox.strict!.conflicts()).toBeGreaterThanOrEqual(3);
  });
});
