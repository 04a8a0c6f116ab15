import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { createIntakeCounters, type IntakeCounter } from '../../src/polling/poll-counters.js';
import type { EmbeddedStack } from '../../src/sandbox/start-stack.js';

/** Polls `check` until it returns a truthy value; throws with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T>, timeoutMs = 20_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Reads the poll cursor and intake counters of a stack's source straight from Redis. */
export function pollState(stack: EmbeddedStack) {
  const redis = new Redis(stack.config.redisUrl);
  const counters = createIntakeCounters(redis, stack.config.queuePrefix);
  return {
    async cursor(source = 'hix'): Promise<number | undefined> {
      const value = await redis.hget(`${stack.config.queuePrefix}:poll-state:${source}`, 'cursor');
      return value === null ? undefined : Number(value);
    },
    async counter(name: IntakeCounter, source = 'hix'): Promise<number> {
      return (await counters.read(source))[name] ?? 0;
    },
    close: () => redis.disconnect(),
  };
}

/** Request headers the proxy passes on: what the EPD client sends that matters to the server. */
const FORWARDED = ['content-type', 'accept', 'if-none-exist', 'if-match', 'prefer'];

/**
 * An HTTP proxy in front of the sandbox EPD that answers 503 with an OperationOutcome while
 * `failing` is set: an EPD in a maintenance window, as the service sees it over the network.
 */
export async function startFaultyProxy(): Promise<{
  baseUrl: string;
  target?: string;
  failing: boolean;
  requests: number;
  close(): Promise<void>;
}> {
  const state = { target: undefined as string | undefined, failing: false, requests: 0 };
  const server: Server = createServer((req, res) => {
    state.requests++;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void forward(req.method ?? 'GET', req.url ?? '/', req.headers, Buffer.concat(chunks)).then(
        ({ status, headers, body }) => {
          res.writeHead(status, headers).end(body);
        },
      );
    });
  });
  async function forward(method: string, url: string, headers: Record<string, unknown>, body: Buffer) {
    if (state.failing || !state.target) {
      const outcome = {
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'error', code: 'transient', details: { text: 'EPD in maintenance window' } }],
      };
      return { status: 503, headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(outcome) };
    }
    const origin = new URL(state.target).origin;
    const sent = await fetch(`${origin}${url}`, {
      method,
      headers: Object.fromEntries(
        FORWARDED.filter((h) => headers[h] !== undefined).map((h) => [h, String(headers[h])]),
      ),
      ...(method === 'GET' || method === 'HEAD' ? {} : { body }),
    });
    // Links and Locations name the sandbox; the client must see them under the proxy's own base.
    const text = (await sent.text()).replaceAll(origin, proxy.baseUrl.replace(/\/fhir$/, ''));
    return {
      status: sent.status,
      headers: { 'content-type': sent.headers.get('content-type') ?? 'application/fhir+json' },
      body: text,
    };
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxy = {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`,
    get target() {
      return state.target;
    },
    set target(value: string | undefined) {
      state.target = value;
    },
    get failing() {
      return state.failing;
    },
    set failing(value: boolean) {
      state.failing = value;
    },
    get requests() {
      return state.requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return proxy;
}
