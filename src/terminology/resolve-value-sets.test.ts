import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTerminologyServer, type TestTerminologyServer } from '../../test/helpers/terminology-server.js';
import type { RemoteValueSetUse } from '../rules/remote-value-sets.js';
import { createFileExpansionCache } from './expansion-cache.js';
import { resolveValueSets } from './resolve-value-sets.js';
import { createTerminologyClient, type TerminologyClient } from './terminology-client.js';

const SNOMED = 'http://snomed.info/sct';
const VS = 'https://terminology.example.org/fhir/ValueSet/astma';
const CODES = [
  { system: SNOMED, code: '195967001' },
  { system: SNOMED, code: '233678006' },
];
/** Two triggers naming the same value set: each place is reported, the server is asked once. */
const USES: RemoteValueSetUse[] = [
  { name: VS, file: 'astma.yaml', line: 12, field: 'triggers[0].codes[0].valueSet' },
  { name: VS, file: 'astma.yaml', line: 30, field: 'triggers[1].codes[0].valueSet' },
];
const NOW = () => new Date('2026-12-01T08:00:00Z');

describe('resolveValueSets (at start)', () => {
  let server: TestTerminologyServer;
  let client: TerminologyClient;
  let dir: string;
  beforeEach(async () => {
    server = await startTerminologyServer();
    server.setValueSet(VS, CODES);
    client = createTerminologyClient({
      baseUrl: server.baseUrl,
      timeoutMs: 2_000,
      refreshMs: 60_000,
      maxCodes: 100,
      cacheDir: '',
    });
    dir = await mkdtemp(join(tmpdir(), 'terminology-cache-'));
  });
  afterEach(async () => {
    await client.close();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('expands from the server once per value set and keeps the expansion as a ValueSet file', async () => {
    const cache = createFileExpansionCache(dir);
    const result = await resolveValueSets(USES, { client, cache, now: NOW });
    expect(result.issues).toEqual([]);
    expect(result.expansions.get(VS)?.codes).toEqual(CODES);
    expect(result.resolved).toEqual([{ name: VS, codes: 2, from: 'server', fetchedAt: NOW().toISOString() }]);
    expect(server.requests).toHaveLength(1);
    const [file] = await readdir(dir);
    expect(file).toMatch(/^astma-[0-9a-f]{16}\.json$/);
    expect(JSON.parse(await readFile(join(dir, file!), 'utf8'))).toMatchObject({
      resourceType: 'ValueSet',
      url: VS,
      expansion: { timestamp: NOW().toISOString(), total: 2, contains: CODES },
    });
  });

  it('after a restart with the server down, starts from the last good expansion and says why', async () => {
    const cache = createFileExpansionCache(dir);
    await resolveValueSets(USES, { client, cache, now: NOW });
    server.mode = 'down';
    const later = () => new Date('2026-12-02T08:00:00Z');
    const result = await resolveValueSets(USES, { client, cache: createFileExpansionCache(dir), now: later });
    expect(result.issues).toEqual([]);
    expect(result.expansions.get(VS)?.codes).toEqual(CODES);
    expect(result.resolved).toEqual([
      {
        name: VS,
        codes: 2,
        from: 'cache',
        fetchedAt: NOW().toISOString(),
        problem: expect.stringContaining('terminology server not reachable') as unknown as string,
      },
    ]);
  });

  it.each([
    ['is down', 'down' as const, 'terminology server not reachable'],
    ['answers an OperationOutcome', 'outcome' as const, 'answered 422'],
    ['expands to no codes', 'empty' as const, "the terminology server's expansion holds no codes"],
  ])('refuses the start when the server %s and nothing is cached, at every place naming it', async (_n, mode, why) => {
    server.mode = mode;
    const result = await resolveValueSets(USES, { client, cache: createFileExpansionCache(dir), now: NOW });
    expect(result.expansions.get(VS)).toBeNull();
    expect(result.issues.map((i) => [i.file, i.line, i.field])).toEqual([
      ['astma.yaml', 12, 'triggers[0].codes[0].valueSet'],
      ['astma.yaml', 30, 'triggers[1].codes[0].valueSet'],
    ]);
    expect(result.issues[0]!.message).toContain(`value set ${VS}`);
    expect(result.issues[0]!.message).toContain(why);
    expect(result.issues[0]!.message).toContain('no earlier expansion is cached');
  });

  it('does not take the cached expansion of another version', async () => {
    server.setValueSet(VS, CODES, '1');
    await resolveValueSets([{ ...USES[0]!, name: `${VS}|1` }], {
      client,
      cache: createFileExpansionCache(dir),
      now: NOW,
    });
    server.mode = 'down';
    const result = await resolveValueSets([{ ...USES[0]!, name: `${VS}|2` }], {
      client,
      cache: createFileExpansionCache(dir),
      now: NOW,
    });
    expect(result.issues).toHaveLength(1);
  });

  it('without a server, names the setting to give', async () => {
    const result = await resolveValueSets(USES.slice(0, 1), { now: NOW });
    expect(result.issues).toEqual([
      {
        file: 'astma.yaml',
        line: 12,
        field: 'triggers[0].codes[0].valueSet',
        message: `value set ${VS} is not a file under valuesets/: set TERMINOLOGY_SERVER_URL to expand it through a terminology server, or add a ValueSet file with this url`,
      },
    ]);
    expect(server.requests).toHaveLength(0);
  });
});
