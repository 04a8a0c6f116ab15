import type { Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { MAX_UNVERIFIED_BODIES_PER_CLIENT } from '../../src/http/cheap-refusals.js';
import { createApp } from '../../src/http/create-app.js';
import { listenApi } from '../../src/http/listen-api.js';
import { memorySeenSignatures } from '../../src/http/replay-guard.js';
import { signRequest } from '../../src/http/verify-source.js';
import type { EpdEvent } from '../../src/intake/epd-event.js';
import { createLogger } from '../../src/shared/logger.js';
import { waitFor } from '../helpers/polling.js';

/**
 * Finding (low): bodies were read and decompressed before credentials were checked (50
 * unauthenticated 5 MB connections took the API from 122 to 390 MB), and the replay guard answered
 * 409 before authentication. The memory figure is `npm run bench:unauthenticated-rss`; here: the
 * refusal comes without the body, the cap on unverified bodies per client, and the replay order.
 */
const TOKEN = 'hix-token-0123456789';
const SECRET = 'engine-secret-0123456789';
const BODY = JSON.stringify({ resourceType: 'MedicationRequest', id: 'mr-1', meta: { versionId: '3' } });
const BIG = 5 * 1024 * 1024;

let server: Server;
let port: number;
/** The server's side of each open connection, by the client's port. */
const connections = new Map<number, Socket>();
const queued: EpdEvent[] = [];
beforeAll(async () => {
  const app = createApp({
    log: createLogger({ level: 'silent' }),
    notify: {
      sources: [
        { id: 'hix', auth: { type: 'bearer', token: TOKEN } },
        { id: 'engine', auth: { type: 'hmac', secret: SECRET } },
      ],
      epdBase: 'https://epd.example.org/fhir',
      maxBodyBytes: BIG + 1024,
      relevantTypes: () => new Set(['MedicationRequest']),
      enqueueEvents: async (events) => void queued.push(...events),
    },
    replay: { seen: memorySeenSignatures(), windowSeconds: 300 },
  });
  server = await listenApi(app, 0, '127.0.0.1');
  port = (server.address() as AddressInfo).port;
  server.on('connection', (socket) => {
    const clientPort = socket.remotePort!;
    connections.set(clientPort, socket);
    socket.once('close', () => connections.delete(clientPort));
  });
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/**
 * Starts a 5 MB upload and sends only its first kilobyte; resolves with the answer's status (0: no
 * answer). Over a plain TCP socket, not node:http: an HTTP client patched by an interceptor (nock,
 * loaded by another test file in the same worker, patches node:http for the whole process) may keep
 * the real connection open after it was aborted, which would hold the server's place for good.
 */
function startUpload(headers: Record<string, string>) {
  const socket = connect(port, '127.0.0.1');
  const head =
    `POST /fhir/notify HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/fhir+json\r\n` +
    `Content-Length: ${BIG}\r\n` +
    Object.entries(headers)
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('') +
    '\r\n';
  const connected = new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  const status = new Promise<number>((resolve) => {
    let answer = '';
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
      const line = /^HTTP\/1\.1 (\d{3})/.exec(answer);
      if (line) resolve(Number(line[1]));
    });
    socket.on('close', () => resolve(0)); // aborted by the test, or closed by the server without an answer
    socket.on('error', () => resolve(0));
  });
  socket.write(head);
  socket.write(Buffer.alloc(1024, 'a'));
  return { status, abort: () => abortUpload(socket, connected) };
}

/**
 * Aborts an upload and resolves once the server has closed its side too. Only then has the server
 * released the upload's place among the unverified bodies in flight: without the wait, the next
 * request could still find the place taken, depending on which socket the server saw first.
 */
async function abortUpload(socket: Socket, connected: Promise<void>): Promise<void> {
  await connected;
  const serverSide = connections.get(socket.localPort!);
  socket.destroy();
  if (serverSide && !serverSide.closed) await new Promise((resolve) => serverSide.once('close', resolve));
  await new Promise((resolve) => setImmediate(resolve)); // the response's own close listeners run after the socket's
}

async function post(headers: Record<string, string>, body = BODY): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/fhir/notify`, {
    method: 'POST',
    headers: { 'content-type': 'application/fhir+json', ...headers },
    body,
  });
  await res.arrayBuffer();
  return res.status;
}

describe('cheap refusals', () => {
  it.each([
    ['no credentials', {}],
    ['a wrong bearer token', { authorization: 'Bearer wrong-token-0123456789' }],
    ['a stale signature', { 'x-sdm-timestamp': '1700000000', 'x-sdm-signature': `v1=${'0'.repeat(64)}` }],
  ])('answers 401 to %s before the body has arrived', async (_name, headers) => {
    // Only 1 kB of the declared 5 MB is ever sent: an answer proves the body was not waited for.
    const upload = startUpload(headers);
    expect(await upload.status).toBe(401);
    await upload.abort();
  });

  it(`reads at most ${MAX_UNVERIFIED_BODIES_PER_CLIENT} unverified bodies per client at once (429 beyond)`, async () => {
    const signedLooking = () => ({
      'x-sdm-timestamp': String(Math.floor(Date.now() / 1000)),
      'x-sdm-signature': `v1=${'0'.repeat(64)}`,
    });
    const held = Array.from({ length: MAX_UNVERIFIED_BODIES_PER_CLIENT }, () => startUpload(signedLooking()));
    await new Promise((resolve) => setImmediate(resolve));
    await post({}); // a round trip, so the held uploads have surely reached the server
    const extra = startUpload(signedLooking());
    expect(await extra.status).toBe(429);
    await extra.abort();
    await Promise.all(held.map((upload) => upload.abort()));
    // The places come back once the server has seen the dropped uploads close: a signed-looking
    // request is read again (and refused for its bogus signature, 401) instead of 429.
    const seen: number[] = [];
    await waitFor(
      'the unverified places to be given back',
      async () => seen.push(await post(signedLooking())) && seen.at(-1) === 401,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; answers meanwhile: ${[...new Set(seen)].join(', ')}`);
    });
    // A bearer sender is never held up by the cap: it is known from its headers.
    expect(await post({ authorization: `Bearer ${TOKEN}` })).toBe(202);
  });

  it('tells a replay apart only for an authenticated sender: a forged copy of seen headers is a 401, not a 409', async () => {
    const headers = signRequest(SECRET, BODY);
    expect(await post(headers)).toBe(202);
    expect(await post(headers)).toBe(409); // the real sender's exact copy
    expect(await post(headers, BODY.replace('mr-1', 'mr-2'))).toBe(401); // same headers, other body: not authenticated
  });
});
