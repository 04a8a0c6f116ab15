import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import express, { type Request, type Response } from 'express';

/** One invitation the stand-in received. */
export interface StandInInvitation {
  invitationId: string;
  body: unknown;
}

/** A running stand-in for a decision-aid platform. */
export interface DecisionAidStandIn {
  baseUrl: string;
  /** Invitations received so far, in order; a replay with a known Idempotency-Key adds none. */
  invitations: StandInInvitation[];
  /** Makes the next `count` (default 1) invitation calls answer `status` instead of creating one. */
  failNext(status: number, count?: number): void;
  /**
   * Makes invitation calls answer only after `delayMs` (past the caller's timeout): the next `count`
   * calls, and with `rate` that share of every call after them (0 switches it off). The invitation is
   * created first, as on a slow platform, so a retry with the same Idempotency-Key finds it.
   */
  answerLate(delayMs: number, options?: { count?: number; rate?: number; random?: () => number }): void;
  /** How many answers were held back by `answerLate` so far. */
  readonly lateAnswers: number;
  close(): Promise<void>;
}

/** Options of the stand-in; with `token` set, invitation calls need `Authorization: Bearer <token>`. */
export interface DecisionAidStandInOptions {
  port?: number;
  token?: string;
}

/** Seconds a 429 from the stand-in asks the caller to wait: short, so tests stay fast. */
const RETRY_AFTER_SECONDS = 1;

/** Largest body the stand-in accepts; invitation bodies are a few hundred bytes. */
const BODY_LIMIT = '100kb';

type Answer = { status: number; body: unknown };

/** What the stand-in remembers between calls. */
interface StandInState {
  baseUrl: string;
  token?: string;
  invitations: StandInInvitation[];
  /** Statuses the next calls answer, in order (see `failNext`). */
  failures: number[];
  /** Answers by Idempotency-Key: a replay gets the first answer again. */
  answers: Map<string, Answer>;
  /** Ids of created invitations, for the start page. */
  known: Set<string>;
  /** Answers held back on purpose (see `answerLate`), and the timers that will send them. */
  late: {
    delayMs: number;
    count: number;
    rate: number;
    random: () => number;
    held: number;
    timers: Set<NodeJS.Timeout>;
  };
}

/**
 * Starts a small decision-aid platform on 127.0.0.1 (port 0 = any free port) for the demo and the
 * tests: `POST /api/invitations` creates an invitation and answers its link, `GET /start/:id` is the
 * page that link opens.
 */
export async function startDecisionAidStandIn(options: DecisionAidStandInOptions = {}): Promise<DecisionAidStandIn> {
  const late = { delayMs: 0, count: 0, rate: 0, random: Math.random, held: 0, timers: new Set<NodeJS.Timeout>() };
  const state: StandInState = {
    baseUrl: '',
    token: options.token,
    invitations: [],
    failures: [],
    answers: new Map(),
    known: new Set(),
    late,
  };
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: BODY_LIMIT }));
  app.post('/api/invitations', (req: Request, res: Response) => postInvitation(state, req, res));
  app.get('/start/:id', (req: Request, res: Response) => startPage(state, req, res));

  const server = app.listen(options.port ?? 0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  state.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    baseUrl: state.baseUrl,
    invitations: state.invitations,
    failNext(status: number, count = 1): void {
      for (let i = 0; i < count; i++) state.failures.push(status);
    },
    answerLate(delayMs: number, lateOptions: { count?: number; rate?: number; random?: () => number } = {}): void {
      Object.assign(late, {
        delayMs,
        count: lateOptions.count ?? 0,
        rate: lateOptions.rate ?? 0,
        random: lateOptions.random ?? Math.random,
      });
    },
    get lateAnswers(): number {
      return late.held;
    },
    close(): Promise<void> {
      for (const timer of late.timers) clearTimeout(timer);
      return new Promise((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections(); // keep-alive sockets of fetch would hold the close up otherwise
      });
    },
  };
}

function postInvitation(state: StandInState, req: Request, res: Response): void {
  if (state.token && req.get('authorization') !== `Bearer ${state.token}`) {
    res.status(401).json({ error: { message: 'missing or wrong bearer token' } });
    return;
  }
  const failure = state.failures.shift();
  if (failure !== undefined) {
    sendFailure(res, failure);
    return;
  }
  const key = req.get('idempotency-key');
  // Failures are not remembered under the key, so a retry after one creates the invitation.
  const answer = (key ? state.answers.get(key) : undefined) ?? createInvitation(state, req.body as unknown, key);
  if (key) state.answers.set(key, answer);
  if (!answerLate(state.late)) {
    res.status(answer.status).json(answer.body);
    return;
  }
  const timer = setTimeout(() => {
    state.late.timers.delete(timer);
    if (!res.destroyed) res.status(answer.status).json(answer.body);
  }, state.late.delayMs);
  state.late.timers.add(timer);
}

/** Whether this answer is held back: one of the next `count`, or by chance at `rate`. */
function answerLate(late: StandInState['late']): boolean {
  const hold = late.count > 0 || (late.rate > 0 && late.random() < late.rate);
  if (late.count > 0) late.count--;
  if (hold) late.held++;
  return hold;
}

function startPage(state: StandInState, req: Request, res: Response): void {
  if (!state.known.has(String(req.params.id))) {
    res.status(404).type('html').send(page('Uitnodiging niet gevonden', 'Deze link is onbekend of verlopen.'));
    return;
  }
  res.type('html').send(page('Keuzehulp', 'Welkom bij de keuzehulp. Dit is een oefenomgeving zonder echte gegevens.'));
}

function createInvitation(state: StandInState, body: unknown, key: string | undefined): Answer {
  const bodyId = (body as { invitationId?: unknown } | null)?.invitationId;
  const invitationId = key ?? (typeof bodyId === 'string' ? bodyId : randomUUID());
  const id = randomUUID();
  state.invitations.push({ invitationId, body });
  state.known.add(id);
  return { status: 201, body: { invitation: { id, url: `${state.baseUrl}/start/${id}` } } };
}

function sendFailure(res: Response, status: number): void {
  if (status === 429) res.set('Retry-After', String(RETRY_AFTER_SECONDS));
  const message = status >= 500 ? 'the stand-in is failing on purpose' : 'the stand-in refuses this request on purpose';
  res.status(status).json({ error: { message } });
}

function page(title: string, text: string): string {
  return [
    '<!doctype html>',
    '<html lang="nl"><head><meta charset="utf-8"><title>',
    title,
    '</title></head><body><h1>',
    title,
    '</h1><p>',
    text,
    '</p></body></html>',
  ].join('');
}
