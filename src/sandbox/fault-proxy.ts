import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What goes wrong with a request that a rule catches. */
export type Fault =
  /** Answer at once with this status (and headers, e.g. `Retry-After`); the target never sees the request. */
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: string }
  /** Wait, then forward: a caller with a shorter timeout gives up, while the target still does the work. */
  | { kind: 'delay'; ms: number }
  /** Close the connection without an answer; the target never sees the request. */
  | { kind: 'drop' }
  /** Forward, let the target do the work, then close the connection instead of answering. */
  | { kind: 'drop-after-forward' }
  /** Forward, let the target do the work, then hold its answer back for `ms`. */
  | { kind: 'delay-after-forward'; ms: number };

/** Which requests get a fault: all conditions must hold; absent ones match anything. */
export interface FaultRule {
  method?: string;
  /** Tested against the request's path with its query, e.g. `/fhir/Task?identifier=…`. */
  path?: RegExp;
  /** How many matching requests get the fault, then the rule is spent (default: no limit). */
  times?: number;
  /** Chance (0–1) that a matching request gets the fault (default 1); the chaos run uses this. */
  probability?: number;
  fault: Fault;
}

/** One request the proxy saw, for tests that check what was retried and when. */
export interface ProxiedRequest {
  at: number;
  method: string;
  path: string;
  fault?: Fault['kind'];
}

/** A running fault proxy. */
export interface FaultProxy {
  /** The target's base URL with the proxy's origin: point the client here. */
  baseUrl: string;
  /** Adds a rule (checked in the order added; the first that applies wins); returns a function that removes it. */
  addRule(rule: FaultRule): () => void;
  clearRules(): void;
  /** Requests seen, forwarded, still in progress (held by a delay, say), and faults injected by kind. */
  readonly counts: {
    requests: number;
    forwarded: number;
    pending: number;
    faults: Partial<Record<Fault['kind'], number>>;
  };
  /** Every request seen, oldest first (only with `record: true`). */
  readonly requests: readonly ProxiedRequest[];
  close(): Promise<void>;
}

/** Options of `startFaultProxy`. */
export interface FaultProxyOptions {
  /** Base URL of the real server, e.g. the sandbox's `http://127.0.0.1:1234/fhir`. */
  target: string;
  /** Keep a log of every request (tests); off for long runs. */
  record?: boolean;
  /** Source of chance for `probability` rules; a seeded one makes a run repeatable. */
  random?: () => number;
}

/** Headers that belong to one hop and must not be passed on. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'proxy-connection',
  'upgrade',
  'te',
  'trailer',
]);
/** Connections kept open to the target: enough for the chaos run's concurrency, few enough to stay polite. */
const MAX_TARGET_SOCKETS = 64;

type LiveRule = FaultRule & { left: number };
type Answer = { status: number; headers: OutgoingHttpHeaders; body: Buffer };

/**
 * Starts an HTTP proxy on 127.0.0.1 that forwards to `target` and injects faults by rule: an error
 * status, a delay, a dropped connection, or a lost answer after the target did the work. Used to
 * show that the service retries EPD failures and writes nothing twice.
 */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target);
  const state: ProxyState = {
    target,
    origin: '',
    agent: new Agent({ keepAlive: true, maxSockets: MAX_TARGET_SOCKETS }),
    random: options.random ?? Math.random,
    record: options.record ?? false,
    rules: [],
    requests: [],
    counts: { requests: 0, forwarded: 0, pending: 0, faults: {} },
    timers: new Set(),
  };
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    state.counts.pending++;
    handle(state, req, res)
      .catch(() => req.socket.destroy())
      .finally(() => state.counts.pending--);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  state.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    baseUrl: `${state.origin}${target.pathname.replace(/\/+$/, '')}`,
    addRule: (rule) => addRule(state.rules, rule),
    clearRules() {
      state.rules.length = 0;
    },
    counts: state.counts,
    requests: state.requests,
    async close() {
      for (const timer of state.timers) clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      state.agent.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** What the request handler shares with the proxy's owner. */
interface ProxyState {
  target: URL;
  /** The proxy's own origin, for Location headers. */
  origin: string;
  agent: Agent;
  random: () => number;
  record: boolean;
  rules: LiveRule[];
  requests: ProxiedRequest[];
  counts: FaultProxy['counts'];
  /** Pending delays, cleared on close. */
  timers: Set<NodeJS.Timeout>;
}

function addRule(rules: LiveRule[], rule: FaultRule): () => void {
  const live: LiveRule = { ...rule, left: rule.times ?? Number.POSITIVE_INFINITY };
  rules.push(live);
  return () => {
    const index = rules.indexOf(live);
    if (index >= 0) rules.splice(index, 1);
  };
}

/** One request: pick a fault (or none), count it, then answer, drop, delay or forward as the fault says. */
async function handle(state: ProxyState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readAll(req);
  const method = req.method ?? 'GET';
  const path = req.url ?? '/';
  const fault = pickFault(state.rules, method, path, state.random);
  state.counts.requests++;
  if (fault) state.counts.faults[fault.kind] = (state.counts.faults[fault.kind] ?? 0) + 1;
  if (state.record) state.requests.push({ at: Date.now(), method, path, ...(fault ? { fault: fault.kind } : {}) });
  if (fault?.kind === 'status') {
    res
      .writeHead(fault.status, { 'content-type': 'application/fhir+json', ...fault.headers })
      .end(fault.body ?? outcome(fault.status));
    return;
  }
  if (fault?.kind === 'drop') {
    req.socket.destroy();
    return;
  }
  if (fault?.kind === 'delay') await sleep(state.timers, fault.ms);
  state.counts.forwarded++;
  const answer = await forward(state, req, body);
  if (fault?.kind === 'drop-after-forward') {
    req.socket.destroy();
    return;
  }
  if (fault?.kind === 'delay-after-forward') await sleep(state.timers, fault.ms);
  if (!res.destroyed) res.writeHead(answer.status, answer.headers).end(answer.body);
}

function sleep(timers: Set<NodeJS.Timeout>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      resolve();
    }, ms);
    timers.add(timer);
  });
}

/** The first rule with fault budget left that matches and, by chance, applies. */
function pickFault(rules: LiveRule[], method: string, path: string, random: () => number): Fault | undefined {
  for (const rule of rules) {
    if (rule.left <= 0) continue;
    if (rule.method && rule.method.toUpperCase() !== method) continue;
    if (rule.path && !rule.path.test(path)) continue;
    if (rule.probability !== undefined && random() >= rule.probability) continue;
    rule.left--;
    return rule.fault;
  }
  return undefined;
}

/** Sends the request on to the target and reads the whole answer; Location headers point back at the proxy. */
function forward({ agent, target, origin }: ProxyState, req: IncomingMessage, body: Buffer): Promise<Answer> {
  const headers = passOn(req.headers);
  headers.host = target.host;
  if (body.length) headers['content-length'] = String(body.length);
  return new Promise((resolve, reject) => {
    const upstream = httpRequest(
      { agent, host: target.hostname, port: target.port, method: req.method, path: req.url, headers },
      (answer) => {
        readAll(answer).then((answerBody) => {
          const out = passOn(answer.headers);
          for (const name of ['location', 'content-location']) {
            const value = out[name];
            if (typeof value === 'string') out[name] = value.replace(target.origin, origin);
          }
          resolve({ status: answer.statusCode ?? 502, headers: out, body: answerBody });
        }, reject);
      },
    );
    upstream.on('error', reject);
    upstream.end(body);
  });
}

function passOn(headers: IncomingMessage['headers']): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  return out;
}

function readAll(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

/** A FHIR OperationOutcome for an injected status, as a server under strain would send. */
function outcome(status: number): string {
  const code = status === 429 ? 'throttled' : status >= 500 ? 'transient' : 'processing';
  return JSON.stringify({
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code, diagnostics: `fault injected: HTTP ${status}` }],
  });
}
