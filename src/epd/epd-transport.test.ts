import type { ServerResponse } from 'node:http';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import type { Task } from '@medplum/fhirtypes';
import { epdFailure as failure } from '../../test/helpers/epd-failure.js';
import { startLoopbackServer, type LoopbackServer } from '../../test/helpers/loopback-server.js';
import { createEpdClient } from './fhir-epd-client.js';

// Real loopback servers, not nock: nock answers fetch itself, so the pool, the size cap, the
// decompression and the redirect rule of the transport would never be reached.

const TASK: Task = { resourceType: 'Task', id: 't1', status: 'requested', intent: 'proposal' };
const FHIR_JSON = { 'content-type': 'application/fhir+json' };
const CAP = 64 * 1024;

/** A searchset of `n` Tasks: about 80 bytes each as JSON, and very compressible. */
function searchset(n: number): string {
  const entry = Array.from({ length: n }, (_, i) => ({ resource: { ...TASK, id: `t${i}` } }));
  return JSON.stringify({ resourceType: 'Bundle', type: 'searchset', entry });
}

let servers: LoopbackServer[] = [];
async function serve(handler: (path: string, res: ServerResponse) => void): Promise<LoopbackServer> {
  const server = await startLoopbackServer((req, res) => handler(req.url ?? '', res));
  servers.push(server);
  return server;
}
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

const clientOf = (server: LoopbackServer, timeoutMs = 2_000) =>
  createEpdClient({
    baseUrl: `${server.origin}/fhir`,
    auth: { type: 'bearer', token: 'epd-token' },
    timeoutMs,
    maxResponseBytes: CAP,
  });

describe('EPD transport: compressed answers', () => {
  it.each([
    ['gzip', gzipSync],
    ['deflate', deflateSync],
    ['br', brotliCompressSync],
  ])('reads a %s answer', async (encoding, compress) => {
    const server = await serve((_path, res) =>
      res.writeHead(200, { ...FHIR_JSON, 'content-encoding': encoding }).end(compress(JSON.stringify(TASK))),
    );
    expect(await clientOf(server).read('Task/t1')).toEqual(TASK);
  });

  it('reads a compressed error answer for its status and issues', async () => {
    const outcome = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'conflict' }] };
    const server = await serve((_path, res) =>
      res.writeHead(409, { ...FHIR_JSON, 'content-encoding': 'gzip' }).end(gzipSync(JSON.stringify(outcome))),
    );
    expect(await failure(clientOf(server).update({ ...TASK, id: 't1' }, { ifMatch: '1' }))).toMatchObject({
      status: 409,
      retry: true,
      problems: [{ code: 'conflict', message: 'conflict' }],
    });
  });
});

describe('EPD transport: size cap (EPD_MAX_RESPONSE_BYTES)', () => {
  it('reads an answer under the cap', async () => {
    const body = searchset(100);
    expect(body.length).toBeLessThan(CAP);
    const server = await serve((_path, res) => res.writeHead(200, FHIR_JSON).end(body));
    expect(await clientOf(server).search('Task', {})).toHaveLength(100);
  });

  it('refuses an answer over the cap, for good, with the setting named', async () => {
    const body = searchset(2_000);
    expect(body.length).toBeGreaterThan(CAP);
    const server = await serve((_path, res) => res.writeHead(200, FHIR_JSON).end(body));
    const error = await failure(clientOf(server).search('Task', {}));
    expect(error).toMatchObject({ status: 502, retry: false, problems: [{ code: 'too-costly' }] });
    expect(error.message).toBe(`EPD GET Task?… answered more than the limit of ${CAP} bytes (EPD_MAX_RESPONSE_BYTES)`);
  });

  it('refuses a small compressed answer that inflates past the cap (a zip bomb)', async () => {
    const packed = gzipSync(searchset(20_000));
    expect(packed.length).toBeLessThan(CAP); // only the inflated size can be over the cap
    const server = await serve((_path, res) =>
      res.writeHead(200, { ...FHIR_JSON, 'content-encoding': 'gzip' }).end(packed),
    );
    expect(await failure(clientOf(server).search('Task', {}))).toMatchObject({ status: 502, retry: false });
  });

  it('refuses an error answer over the cap too', async () => {
    const server = await serve((_path, res) => res.writeHead(500, FHIR_JSON).end('x'.repeat(CAP * 2)));
    expect(await failure(clientOf(server).read('Task/t1'))).toMatchObject({ status: 502, retry: false });
  });
});

describe('EPD transport: connections, redirects, time', () => {
  it('keeps the connection alive across requests', async () => {
    const server = await serve((_path, res) => res.writeHead(200, FHIR_JSON).end(JSON.stringify(TASK)));
    const epd = clientOf(server);
    for (let i = 0; i < 20; i++) await epd.read('Task/t1');
    expect(server.seen).toHaveLength(20);
    // Without keep-alive each request would open its own; undici may open a second while the first is being released.
    expect(server.connections()).toBeLessThanOrEqual(2);
  });

  it.each([301, 302, 307, 308])('does not follow a %i: the token never reaches the other address', async (status) => {
    const elsewhere = await serve((_path, res) => res.writeHead(200, FHIR_JSON).end(JSON.stringify(TASK)));
    const server = await serve((path, res) => res.writeHead(status, { location: `${elsewhere.origin}${path}` }).end());
    const error = await failure(clientOf(server).read('Task/t1'));
    expect(error).toMatchObject({ status, retry: false });
    expect(error.message).toContain('EPD_BASE_URL');
    expect(server.seen).toEqual([{ method: 'GET', path: '/fhir/Task/t1', authorization: 'Bearer epd-token' }]);
    expect(elsewhere.seen).toEqual([]);
  });

  it('counts the whole answer in the timeout: a body that stops half-way fails as a timeout', async () => {
    const server = await serve((_path, res) => {
      res.writeHead(200, FHIR_JSON);
      res.write('{"resourceType":"Task",'); // and nothing more: headers in time, the body never ends
    });
    const error = await failure(clientOf(server, 200).read('Task/t1'));
    expect(error).toMatchObject({ status: 0, retry: true, problems: [{ code: 'timeout' }] });
    expect(error.message).toBe('EPD GET Task/t1 timed out');
  });

  it('names the network failure when nothing listens', async () => {
    const server = await serve(() => undefined);
    const epd = clientOf(server);
    await server.close();
    servers = [];
    const error = await failure(epd.read('Task/t1'));
    expect(error).toMatchObject({ status: 0, retry: true });
    expect(error.message).toBe('EPD GET Task/t1 failed: ECONNREFUSED');
  });
});
