import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Bundle, BundleEntry, MedicationRequest } from '@medplum/fhirtypes';
import { epdFailure as failure } from '../../test/helpers/epd-failure.js';
import type { EpdClient } from './epd-client.js';
import { createEpdClient } from './fhir-epd-client.js';

/** One scripted answer per path (with query) the loopback EPD is asked for. */
type Script = Record<string, { status: number; body?: unknown }>;

/**
 * The real EPD client's `history` and `historyEndsDeleted` over HTTP, against a loopback server that
 * answers as FHIR servers do: a history Bundle newest first, in pages with next links (on the
 * server's own host name, as Medplum builds them), delete entries without a resource, and errors.
 */
let server: Server;
let base: string;
let script: Script = {};
const asked: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    asked.push(req.url ?? '');
    const answer = script[req.url ?? ''] ?? { status: 404, body: notFound };
    res.writeHead(answer.status, { 'content-type': 'application/fhir+json' });
    res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  script = {};
  asked.length = 0;
});

const notFound = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found' }] };

function client(): EpdClient {
  return createEpdClient({ baseUrl: base, auth: { type: 'none' }, timeoutMs: 2_000, trustedBaseUrls: [] });
}

function version(versionId: string, status: MedicationRequest['status']): BundleEntry {
  return {
    fullUrl: `${base}/MedicationRequest/m1`,
    resource: {
      resourceType: 'MedicationRequest',
      id: 'm1',
      meta: { versionId },
      status,
      intent: 'order',
      subject: { reference: 'Patient/p1' },
    },
    request: { method: 'PUT', url: 'MedicationRequest/m1' },
    response: { status: '200' },
  };
}

const deletion: BundleEntry = {
  request: { method: 'DELETE', url: 'MedicationRequest/m1' },
  response: { status: '410 Gone' },
};

function page(entry: BundleEntry[], next?: string): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'history',
    entry,
    ...(next ? { link: [{ relation: 'next', url: next }] } : {}),
  };
}

describe('FhirEpdClient history over HTTP', () => {
  it('follows the pages of a history and returns every version, deleted entries left out', async () => {
    // The next link names the server as it knows itself; the client re-bases it onto EPD_BASE_URL.
    const next = `http://fhir-internal.invalid/fhir/MedicationRequest/m1/_history?_page=2`;
    script = {
      '/fhir/MedicationRequest/m1/_history': { status: 200, body: page([version('3', 'active'), deletion], next) },
      '/fhir/MedicationRequest/m1/_history?_page=2': { status: 200, body: page([version('1', 'active')]) },
    };
    const versions = await client().history!<MedicationRequest>('MedicationRequest/m1');
    expect(versions.map((v) => v.meta?.versionId)).toEqual(['3', '1']);
    expect(asked).toEqual(['/fhir/MedicationRequest/m1/_history', '/fhir/MedicationRequest/m1/_history?_page=2']);
  });

  it.each([
    [404, false],
    [410, false],
    [503, true],
  ])('passes a %i for the history on as an EpdError (retry: %s)', async (status, retry) => {
    script = { '/fhir/MedicationRequest/m1/_history': { status, body: notFound } };
    expect(await failure(client().history!('MedicationRequest/m1'))).toMatchObject({ status, retry });
  });

  it('refuses a history that is no Bundle, instead of taking it for a resource without versions', async () => {
    script = { '/fhir/MedicationRequest/m1/_history': { status: 200, body: { resourceType: 'Patient', id: 'p1' } } };
    const error = await failure(client().history!('MedicationRequest/m1'));
    expect(error).toMatchObject({ status: 502, retry: true });
    expect(error.message).toContain('not a Bundle');
  });
});

describe('FhirEpdClient historyEndsDeleted over HTTP', () => {
  it.each<[string, Script[string], boolean]>([
    [
      'a history whose newest entry is the delete',
      { status: 200, body: page([deletion, version('1', 'active')]) },
      true,
    ],
    [
      'a history whose newest entry is a version',
      { status: 200, body: page([version('2', 'active'), deletion]) },
      false,
    ],
    ['410 for the history itself', { status: 410, body: notFound }, true],
    ['404 for the history itself', { status: 404, body: notFound }, false],
  ])('%s → %s', async (_case, answer, deleted) => {
    script = { '/fhir/MedicationRequest/m1/_history': answer };
    await expect(client().historyEndsDeleted!('MedicationRequest/m1')).resolves.toBe(deleted);
  });

  it('passes a 503 on, to be retried', async () => {
    script = { '/fhir/MedicationRequest/m1/_history': { status: 503, body: notFound } };
    expect(await failure(client().historyEndsDeleted!('MedicationRequest/m1'))).toMatchObject({
      status: 503,
      retry: true,
    });
  });
});
