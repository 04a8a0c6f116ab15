import { fork, type ChildProcess } from 'node:child_process';
import { request, type ClientRequest } from 'node:http';
import { fileURLToPath } from 'node:url';
import { createApp } from '../src/http/create-app.js';
import { listenApi } from '../src/http/listen-api.js';
import { memorySeenSignatures } from '../src/http/replay-guard.js';
import { createLogger } from '../src/shared/logger.js';

/**
 * `npm run bench:unauthenticated-rss`: the API's resident memory while 50 connections each upload
 * 5 MB without valid credentials — once with none at all, once with a fresh timestamp and a bogus
 * signature (the worst case: a signature can only be checked on the body). The API runs in a child
 * process so the load generator's own buffers do not count. Target: peak RSS under 250 MB.
 */
const CONNECTIONS = 50;
const BODY_BYTES = 5 * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 'a');
const TARGET_MB = 250;
const MB = 1024 * 1024;

async function serve(): Promise<void> {
  const app = createApp({
    log: createLogger({ level: 'silent' }),
    notify: {
      sources: [
        { id: 'hix', auth: { type: 'bearer', token: 'bench-token-0123456789' } },
        { id: 'engine', auth: { type: 'hmac', secret: 'bench-secret-0123456789' } },
      ],
      epdBase: 'https://epd.example.org/fhir',
      maxBodyBytes: BODY_BYTES + 1024,
      relevantTypes: () => new Set(),
      enqueueEvents: async () => undefined,
    },
    replay: { seen: memorySeenSignatures(), windowSeconds: 300 },
  });
  const server = await listenApi(app, 0, '127.0.0.1');
  const address = server.address();
  process.send?.({ port: typeof address === 'object' && address ? address.port : 0 });
  process.on('message', (message: unknown) => {
    if (message === 'rss') process.send?.({ rss: process.memoryUsage().rss });
    if (message === 'stop') server.close(() => process.exit(0));
  });
}

function rssOf(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    const onMessage = (message: { rss?: number }) => {
      if (message.rss === undefined) return;
      child.off('message', onMessage);
      resolve(message.rss);
    };
    child.on('message', onMessage);
    child.send('rss');
  });
}

/** One upload of BODY_BYTES; resolves with the status, or 0 when the server closed the connection first. */
function upload(port: number, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    let sent = 0;
    const req: ClientRequest = request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/fhir/notify',
      headers: { 'content-type': 'application/fhir+json', 'content-length': String(BODY_BYTES), ...headers },
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
      req.destroy();
    });
    req.on('error', () => resolve(0));
    const pump = () => {
      while (sent < BODY_BYTES && !req.destroyed) {
        sent += CHUNK.length;
        if (!req.write(CHUNK)) return void req.once('drain', pump);
      }
      if (!req.destroyed) req.end();
    };
    pump();
  });
}

async function phase(child: ChildProcess, port: number, name: string, headers: () => Record<string, string>) {
  let peak = await rssOf(child);
  let running = true;
  const sampling = (async () => {
    while (running) {
      peak = Math.max(peak, await rssOf(child));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  const statuses = await Promise.all(Array.from({ length: CONNECTIONS }, () => upload(port, headers())));
  running = false;
  await sampling;
  const tally = Object.entries(
    statuses.reduce<Record<string, number>>(
      (acc, s) => ({ ...acc, [s || 'closed']: (acc[s || 'closed'] ?? 0) + 1 }),
      {},
    ),
  )
    .map(([status, n]) => `${status}×${n}`)
    .join(' ');
  return { name, peakMb: peak / MB, tally };
}

async function main(): Promise<void> {
  const child = fork(fileURLToPath(import.meta.url), ['serve'], { execArgv: ['--import', 'tsx'] });
  const port = await new Promise<number>((resolve) =>
    child.once('message', (message: { port: number }) => resolve(message.port)),
  );
  const idle = (await rssOf(child)) / MB;
  const results = [
    await phase(child, port, 'no credentials', () => ({})),
    await phase(child, port, 'wrong bearer token', () => ({ authorization: 'Bearer wrong-token-0123456789' })),
    await phase(child, port, 'fresh timestamp, bogus signature', () => ({
      'x-sdm-timestamp': String(Math.floor(Date.now() / 1000)),
      'x-sdm-signature': `v1=${'0'.repeat(64)}`,
    })),
  ];
  child.send('stop');
  process.stdout.write(`API RSS idle: ${idle.toFixed(0)} MB\n`);
  for (const r of results)
    process.stdout.write(
      `${CONNECTIONS} × 5 MB, ${r.name}: peak RSS ${r.peakMb.toFixed(0)} MB (target < ${TARGET_MB}); answers ${r.tally}\n`,
    );
  process.exitCode = results.every((r) => r.peakMb < TARGET_MB) ? 0 : 1;
}

if (process.argv[2] === 'serve') await serve();
else await main();
