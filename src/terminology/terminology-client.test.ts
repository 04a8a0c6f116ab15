import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTerminologyServer, type TestTerminologyServer } from '../../test/helpers/terminology-server.js';
import { createTerminologyClient, type TerminologyClient } from './terminology-client.js';
import type { TerminologySettings } from './terminology-settings.js';

const SNOMED = 'http://snomed.info/sct';
const ASTHMA_VS = 'https://terminology.example.org/fhir/ValueSet/astma';
/** SNOMED CT 195967001 Asthma and a few of its descendants, as an $expand of an is-a filter gives them. */
const ASTHMA = ['195967001', '233678006', '426979002', '427295004', '389145006'].map((code) => ({
  system: SNOMED,
  code,
}));

const settings = (baseUrl: string, extra: Partial<TerminologySettings> = {}): TerminologySettings => ({
  baseUrl,
  timeoutMs: 2_000,
  refreshMs: 60_000,
  maxCodes: 1_000,
  cacheDir: 'unused',
  ...extra,
});

describe('terminology client ($expand)', () => {
  let server: TestTerminologyServer;
  let client: TerminologyClient;
  beforeEach(async () => {
    server = await startTerminologyServer({ maxPage: 2 }); // two per page: five codes take three pages
    server.setValueSet(ASTHMA_VS, ASTHMA);
    client = createTerminologyClient(settings(server.baseUrl, { auth: { type: 'bearer', token: 'tx-token' } }));
  });
  afterEach(async () => {
    await client.close();
    await server.close();
  });

  it('follows the pages up to expansion.total, with the bearer token on each', async () => {
    const codes = await client.expand(ASTHMA_VS);
    expect(codes.map((c) => c.code)).toEqual(ASTHMA.map((c) => c.code));
    expect(server.requests.map((r) => r.query.offset)).toEqual(['0', '2', '4']);
    expect(server.requests.every((r) => r.authorization === 'Bearer tx-token' && r.query.url === ASTHMA_VS)).toBe(true);
  });

  it('pages on without expansion.total (optional in R4) until an empty page', async () => {
    server.mode = 'no-total';
    const codes = await client.expand(ASTHMA_VS);
    expect(codes.map((c) => c.code)).toEqual(ASTHMA.map((c) => c.code));
    expect(server.requests.map((r) => r.query.offset)).toEqual(['0', '2', '4', '5']);
  });

  it('sends url|version as url and valueSetVersion', async () => {
    server.setValueSet(ASTHMA_VS, ASTHMA.slice(0, 1), '2026-03');
    expect(await client.expand(`${ASTHMA_VS}|2026-03`)).toEqual([ASTHMA[0]]);
    expect(server.requests[0]!.query).toMatchObject({ url: ASTHMA_VS, valueSetVersion: '2026-03' });
  });

  it('flattens nested contains and leaves out abstract and inactive entries', async () => {
    server.setValueSet(ASTHMA_VS, [
      {
        system: SNOMED,
        code: '195967001',
        contains: [
          { system: SNOMED, code: '233678006' },
          { system: SNOMED, code: '266361008', inactive: true }, // retired: kept for old records only
        ],
      },
      { abstract: true, system: SNOMED, code: 'group', contains: [{ system: SNOMED, code: '426979002' }] },
    ]);
    const codes = await client.expand(ASTHMA_VS);
    expect(codes.map((c) => c.code)).toEqual(['195967001', '233678006', '426979002']);
  });

  it('refuses a value set over the cap by its total, before reading the rest', async () => {
    const small = createTerminologyClient(settings(server.baseUrl, { maxCodes: 4 }));
    await expect(small.expand(ASTHMA_VS)).rejects.toThrow(
      `value set ${ASTHMA_VS} has 5 codes, over TERMINOLOGY_MAX_CODES (4)`,
    );
    expect(server.requests).toHaveLength(1);
    await small.close();
  });

  it.each([
    ['answers 500', '500' as const, `value set ${ASTHMA_VS}: terminology server answered 500`],
    ['answers an OperationOutcome', 'outcome' as const, 'answered 422: Unable to expand: code system not loaded'],
    ['answers an OperationOutcome with 200', 'outcome-200' as const, 'answered 200: Unable to expand'],
    ['drops the connection', 'down' as const, `value set ${ASTHMA_VS}: terminology server not reachable`],
    ['ignores offset', 'ignore-offset' as const, 'ignores offset, so its expansion cannot be paged'],
    [
      'ignores offset and sends no total (the first page again)',
      'no-total-ignore-offset' as const,
      'ignores offset, so its expansion cannot be paged',
    ],
  ])('refuses when the server %s', async (_name, mode, message) => {
    server.mode = mode;
    await expect(client.expand(ASTHMA_VS)).rejects.toThrow(message);
  });

  it('names an unknown value set with the server reason', async () => {
    await expect(client.expand('https://terminology.example.org/fhir/ValueSet/nope')).rejects.toThrow(
      'answered 404: ValueSet https://terminology.example.org/fhir/ValueSet/nope not found',
    );
  });

  it('gives up on a server that does not answer within the timeout', async () => {
    const silent = createServer(() => undefined); // accepts, never answers
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const slow = createTerminologyClient(
      settings(`http://127.0.0.1:${(silent.address() as AddressInfo).port}/fhir`, { timeoutMs: 200 }),
    );
    await expect(slow.expand(ASTHMA_VS)).rejects.toThrow('terminology server not reachable (timed out)');
    await slow.close();
    silent.closeAllConnections();
    await new Promise((resolve) => silent.close(resolve));
  });
});

describe('terminology client: tokens from a token endpoint', () => {
  const ACCOUNT = { clientId: 'sdm-bridge', username: 'ziekenhuis-it', password: 'a-long-password' };
  let server: TestTerminologyServer;
  const clients: TerminologyClient[] = [];
  /** Client credentials of the account above, with `secret` as the client secret. */
  const byClient = (secret: string) =>
    ({
      type: 'client-credentials',
      tokenUrl: server.tokenUrl,
      clientId: ACCOUNT.clientId,
      clientSecret: secret,
    }) as const;
  const clientWith = (auth: NonNullable<TerminologySettings['auth']>) => {
    const client = createTerminologyClient(settings(server.baseUrl, { auth }));
    clients.push(client);
    return client;
  };
  beforeEach(async () => {
    server = await startTerminologyServer({ maxPage: 2, login: { ...ACCOUNT, clientSecret: 'the-client-secret' } });
    server.setValueSet(ASTHMA_VS, ASTHMA);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await server.close();
  });

  it('logs in once by client credentials and sends that token with every page', async () => {
    const client = clientWith(byClient('the-client-secret'));
    expect(await client.expand(ASTHMA_VS)).toHaveLength(5);
    expect(server.tokenRequests).toEqual([
      { grant_type: 'client_credentials', client_id: 'sdm-bridge', client_secret: 'the-client-secret' },
    ]);
    expect(server.requests.map((r) => r.authorization)).toEqual(['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-1']);
  });

  it('logs in with an account (the password grant)', async () => {
    const client = clientWith({
      type: 'password',
      tokenUrl: server.tokenUrl,
      clientSecret: 'the-client-secret',
      ...ACCOUNT,
    });
    expect(await client.expand(ASTHMA_VS)).toHaveLength(5);
    expect(server.tokenRequests[0]).toMatchObject({ grant_type: 'password', username: 'ziekenhuis-it' });
  });

  it('asks a new token once when the server answers 401 to the one it has (revoked, expired early)', async () => {
    const client = clientWith({
      type: 'password',
      tokenUrl: server.tokenUrl,
      clientSecret: 'the-client-secret',
      ...ACCOUNT,
    });
    await client.expand(ASTHMA_VS);
    server.revokeTokens();
    expect(await client.expand(ASTHMA_VS)).toHaveLength(5);
    expect(server.tokenRequests).toHaveLength(2);
    expect(server.requests.slice(3).map((r) => r.authorization)).toEqual([
      'Bearer tok-1', // refused
      'Bearer tok-2',
      'Bearer tok-2',
      'Bearer tok-2',
    ]);
  });

  it('names a refused login, and a token endpoint that does not answer', async () => {
    const wrong = clientWith(byClient('wrong'));
    await expect(wrong.expand(ASTHMA_VS)).rejects.toThrow(
      `value set ${ASTHMA_VS}: terminology server token request failed with HTTP 401: invalid_client`,
    );
    const closed = `http://127.0.0.1:${await closedPort()}/token`;
    const nowhere = clientWith({ type: 'client-credentials', tokenUrl: closed, clientId: 'x', clientSecret: 'y' });
    await expect(nowhere.expand(ASTHMA_VS)).rejects.toThrow(
      `value set ${ASTHMA_VS}: the terminology server's token endpoint is not reachable (ECONNREFUSED)`,
    );
    expect(server.requests).toEqual([]); // no $expand without a token
  });
});

/** A loopback port nobody listens on (taken and given back). */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
