import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTerminologyServer, type TestTerminologyServer } from '../../test/helpers/terminology-server.js';
import type { LocalValueSet } from '../rules/read-value-set.js';
import { createLogger } from '../shared/logger.js';
import { createFileExpansionCache, type ExpansionCache } from './expansion-cache.js';
import { createValueSetRefresh, type ValueSetRefresh } from './refresh-value-sets.js';
import { asValueSet } from './resolve-value-sets.js';
import { createTerminologyClient, type TerminologyClient } from './terminology-client.js';

const ATC = 'http://www.whocc.no/atc';
const VS = 'https://terminology.example.org/fhir/ValueSet/astma-medicatie';
const START = [{ system: ATC, code: 'R03BA05' }];
const NEW = [...START, { system: ATC, code: 'R03AK06' }];

describe('value-set refresh', () => {
  let server: TestTerminologyServer;
  let client: TerminologyClient;
  let dir: string;
  let cache: ExpansionCache;
  let applied: ReadonlyMap<string, LocalValueSet>[];
  let failures: string[];
  let refresher: ValueSetRefresh;
  let applyFails: boolean;
  beforeEach(async () => {
    server = await startTerminologyServer();
    server.setValueSet(VS, START);
    client = createTerminologyClient({
      baseUrl: server.baseUrl,
      timeoutMs: 2_000,
      refreshMs: 60_000,
      maxCodes: 100,
      cacheDir: '',
    });
    dir = await mkdtemp(join(tmpdir(), 'terminology-refresh-'));
    cache = createFileExpansionCache(dir);
    applied = [];
    failures = [];
    applyFails = false;
    refresher = createValueSetRefresh({
      client,
      cache,
      current: new Map([[VS, asValueSet(VS, START)]]),
      apply: (expansions) => {
        if (applyFails) throw new Error('compile refused');
        applied.push(expansions);
      },
      countFailure: (name) => failures.push(name),
      log: createLogger({ level: 'silent' }),
      now: () => new Date('2026-12-02T08:00:00Z'),
    });
  });
  afterEach(async () => {
    await client.close();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('swaps in new codes and keeps them in the cache', async () => {
    server.setValueSet(VS, NEW);
    await refresher.refresh();
    expect(applied.map((m) => m.get(VS)?.codes)).toEqual([NEW]);
    expect((await cache.read(VS))?.codes).toEqual(NEW);
    expect(failures).toEqual([]);
  });

  it('changes nothing when the expansion is the same', async () => {
    await refresher.refresh();
    expect(applied).toEqual([]);
  });

  it.each([
    ['is down', 'down' as const],
    ['answers 500', '500' as const],
    ['answers an OperationOutcome', 'outcome-200' as const],
    ['expands to nothing where it had codes', 'empty' as const],
  ])('keeps the last good expansion and counts a failure when the server %s', async (_name, mode) => {
    server.setValueSet(VS, NEW);
    server.mode = mode;
    await refresher.refresh();
    expect(applied).toEqual([]);
    expect(failures).toEqual([VS]);
    expect(await cache.read(VS)).toBeUndefined(); // nothing bad was kept either
    server.mode = 'ok'; // back: the next refresh brings the new codes
    await refresher.refresh();
    expect(applied.map((m) => m.get(VS)?.codes)).toEqual([NEW]);
  });

  it('keeps the old expansion in use when the new one cannot be compiled, and tries it again next time', async () => {
    server.setValueSet(VS, NEW);
    applyFails = true;
    await refresher.refresh();
    expect(failures).toEqual([VS]);
    applyFails = false;
    await refresher.refresh();
    expect(applied.map((m) => m.get(VS)?.codes)).toEqual([NEW]);
  });

  it('says whether every value set was fetched', async () => {
    expect(await refresher.refresh()).toBe(true);
    server.mode = 'down';
    expect(await refresher.refresh()).toBe(false);
  });

  it('asks again soon while the codes are stale (started from the cache), then at the interval', async () => {
    server.mode = 'down';
    server.setValueSet(VS, NEW);
    const timer = refresher.start(60_000, { stale: true, retryMs: 50 });
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(applied).toHaveLength(0); // still down: retried every 50 ms, nothing to swap in
      const failedSoFar = failures.length;
      expect(failedSoFar).toBeGreaterThan(1);
      server.mode = 'ok';
      for (let i = 0; i < 40 && applied.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(applied).toHaveLength(1); // long before the 60 s interval
      const triesAfterSuccess = server.requests.length;
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(server.requests.length).toBe(triesAfterSuccess); // fresh again: the next try waits for the interval
    } finally {
      timer.stop();
    }
  });

  it('runs one refresh at a time', async () => {
    server.setValueSet(VS, NEW);
    await Promise.all([refresher.refresh(), refresher.refresh()]);
    expect(server.requests).toHaveLength(1);
    expect(applied).toHaveLength(1);
  });
});
