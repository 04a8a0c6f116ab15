import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';

/** A target that counts what reaches it and answers with a Location on its own origin. */
async function startTarget(): Promise<{ server: Server; baseUrl: string; seen: string[] }> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push(`${req.method} ${req.url} ${Buffer.concat(chunks).toString()}`);
      const { port } = server.address() as AddressInfo;
      res
        .writeHead(201, { 'content-type': 'application/json', location: `http://127.0.0.1:${port}/fhir/Task/1` })
        .end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`, seen };
}

/** Waits (bounded) until the target saw exactly one request. */
async function seenWithin(seen: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (seen.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(seen).toHaveLength(1);
}

describe('fault proxy', () => {
  let target: Awaited<ReturnType<typeof startTarget>>;
  let proxy: FaultProxy;
  beforeEach(async () => {
    target = await startTarget();
    proxy = await startFaultProxy({ target: target.baseUrl, record: true });
  });
  afterEach(async () => {
    await proxy.close();
    await new Promise<void>((resolve) => target.server.close(() => resolve()));
  });
  const post = (path: string, signal?: AbortSignal) =>
    fetch(`${proxy.baseUrl}${path}`, {
      method: 'POST',
      body: '{"a":1}',
      headers: { 'content-type': 'application/json' },
      ...(signal ? { signal } : {}),
    });

  it('forwards method, path, body and answer, and points Location at itself', async () => {
    expect(proxy.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/fhir$/);
    const res = await post('/Task?x=1');
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ ok: true });
    expect(res.headers.get('location')).toBe(`${proxy.baseUrl}/Task/1`);
    expect(target.seen).toEqual(['POST /fhir/Task?x=1 {"a":1}']);
  });

  it('answers a status with headers for the next N matching requests only', async () => {
    proxy.addRule({
      method: 'POST',
      path: /\/Task/,
      times: 2,
      fault: { kind: 'status', status: 429, headers: { 'retry-after': '1' } },
    });
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      const res = await post('/Task');
      statuses.push([res.status, res.headers.get('retry-after')]);
    }
    expect(statuses).toEqual([
      [429, '1'],
      [429, '1'],
      [201, null],
    ]);
    expect(target.seen).toHaveLength(1);
    expect(proxy.counts).toMatchObject({ requests: 3, forwarded: 1, faults: { status: 2 } });
  });

  it('leaves requests that do not match alone', async () => {
    proxy.addRule({ method: 'GET', path: /\/Patient/, fault: { kind: 'status', status: 503 } });
    expect((await post('/Task')).status).toBe(201);
  });

  it('drops the connection without forwarding', async () => {
    proxy.addRule({ times: 1, fault: { kind: 'drop' } });
    await expect(post('/Task')).rejects.toThrow();
    expect(target.seen).toHaveLength(0);
  });

  it('drops the connection after the target did the work', async () => {
    proxy.addRule({ times: 1, fault: { kind: 'drop-after-forward' } });
    await expect(post('/Task')).rejects.toThrow();
    expect(target.seen).toHaveLength(1);
  });

  it('delays past a client timeout, and the target still gets the request', async () => {
    proxy.addRule({ times: 1, fault: { kind: 'delay', ms: 400 } });
    await expect(post('/Task', AbortSignal.timeout(100))).rejects.toThrow();
    await seenWithin(target.seen, 5_000);
  });

  it('holds the answer back after forwarding', async () => {
    proxy.addRule({ times: 1, fault: { kind: 'delay-after-forward', ms: 2_000 } });
    await expect(post('/Task', AbortSignal.timeout(1_000))).rejects.toThrow();
    await seenWithin(target.seen, 5_000);
  });

  it('applies a probability rule to about that share of requests', async () => {
    let n = 0;
    const steps = [0.1, 0.9]; // alternating draws: below, above 0.5
    const seeded = await startFaultProxy({ target: target.baseUrl, random: () => steps[n++ % 2]! });
    try {
      seeded.addRule({ probability: 0.5, fault: { kind: 'status', status: 503 } });
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await fetch(`${seeded.baseUrl}/x`)).status);
      expect(statuses).toEqual([503, 201, 503, 201]);
    } finally {
      await seeded.close();
    }
  });

  it('removes one rule, or all', async () => {
    const remove = proxy.addRule({ fault: { kind: 'status', status: 500 } });
    expect((await post('/a')).status).toBe(500);
    remove();
    expect((await post('/a')).status).toBe(201);
    proxy.addRule({ fault: { kind: 'status', status: 500 } });
    proxy.clearRules();
    expect((await post('/a')).status).toBe(201);
  });
});
