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
    client = createTerminologyClient(settings(server.baseUrl, { token: 'tx-token' }));
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
