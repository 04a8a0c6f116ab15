import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { Task } from '@medplum/fhirtypes';
import { createEpdClient } from '../src/epd/fhir-epd-client.js';

// `npx tsx bench/epd-client-cpu.ts [requests]`: CPU time of this process per EPD request, for a read
// and for a conditional create, through the real client against a loopback server in another
// process. CPU per request moves far less with other work on the machine than requests per second
// do, so runs of two versions of the client, taking turns, compare on a shared machine.

/** Requests in flight, as a worker at EVENT_CONCURRENCY=10 has them. */
const IN_FLIGHT = 10;
/** Requests before timing starts: connections open, JIT settled. */
const WARMUP = 2_000;
const TASK: Task = {
  resourceType: 'Task',
  id: 't1',
  status: 'ready',
  intent: 'order',
  for: { reference: 'Patient/p1' },
};

/** A FHIR-shaped loopback server in a child process (its CPU is not counted): a Task for a GET, the body back for a POST. */
const SERVER = `
const http = require('node:http');
const task = JSON.stringify(${JSON.stringify(TASK)});
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = req.method === 'POST' ? Buffer.concat(chunks) : task;
    res.writeHead(req.method === 'POST' ? 201 : 200, { 'content-type': 'application/fhir+json' }).end(body);
  });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => process.send(server.address().port));
`;

async function startServer(): Promise<{ child: ChildProcess; baseUrl: string }> {
  const child = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const [port] = (await once(child, 'message')) as [number];
  return { child, baseUrl: `http://127.0.0.1:${port}/fhir` };
}

/** Runs `count` calls of `call`, `IN_FLIGHT` at a time; CPU µs of this process per call, and calls per second. */
async function measure(count: number, call: () => Promise<unknown>): Promise<{ cpuUs: number; perSecond: number }> {
  let next = 0;
  const lane = async () => {
    while (next++ < count) await call();
  };
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  const used = process.cpuUsage(cpu);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { cpuUs: Math.round((used.user + used.system) / count), perSecond: Math.round(count / seconds) };
}

async function main(): Promise<void> {
  const requests = Number(process.argv[2] ?? 20_000);
  const { child, baseUrl } = await startServer();
  try {
    const epd = createEpdClient({ baseUrl, auth: { type: 'bearer', token: 'bench-token' }, timeoutMs: 10_000 });
    const read = () => epd.read('Task/t1');
    const create = () => epd.createIfNoneExist<Task>({ ...TASK, id: undefined }, 'identifier=bench|1');
    await measure(WARMUP, read);
    await measure(WARMUP, create);
    const reads = await measure(requests, read);
    const creates = await measure(requests, create);
    process.stdout.write(
      `read: ${reads.cpuUs} µs CPU per request (${reads.perSecond}/s); ` +
        `conditional create: ${creates.cpuUs} µs CPU per request (${creates.perSecond}/s); ` +
        `${requests} each, ${IN_FLIGHT} in flight, ${process.version}\n`,
    );
  } finally {
    child.kill();
  }
}

void main().then(() => process.exit(0));
