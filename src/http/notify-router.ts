import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import type { IntakeSource } from '../config/load-config.js';
import type { EpdEvent } from '../intake/epd-event.js';
import { jsonSyntaxMessage } from '../intake/json-limits.js';
import type { IntakeContext } from '../intake/build-event.js';
import { parseNotification, type ParsedNotification } from '../intake/parse-notification.js';
import { DELETED_RESOURCE_HEADER, parseDeletedResource } from '../intake/parse-deleted-resource.js';
import { parseRestHook } from '../intake/parse-rest-hook.js';
import { AppError, badInput } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { refuseBeforeBody } from './cheap-refusals.js';
import { replayGuard, type SeenSignatures } from './replay-guard.js';
import { REQUEST_ID_HEADER, requestIdOf } from '../shared/request-id.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifySource } from './verify-source.js';

/** What the notify route needs. */
export interface NotifyDeps {
  sources: readonly IntakeSource[];
  /** The EPD's base URL: events are keyed by it, not by the source (see `versionEventKey`). */
  epdBase: string;
  maxBodyBytes: number;
  /** Resource types some trigger listens to; other resources are accepted and not queued. */
  relevantTypes: () => ReadonlySet<string>;
  /** Adds one events job per event (job id from the event key); resolves only when Redis holds them. */
  enqueueEvents: (events: EpdEvent[]) => Promise<void>;
  /** An empty ping: "something changed at this source" (polling picks it up). */
  onEmptyPing?: (source: string) => Promise<void>;
  /** Every parsed notification, for event-number gap tracking (src/intake/gap-watch.ts); resolves once recorded. */
  onNotification?: (source: string, parsed: ParsedNotification, receivedAt: string) => Promise<void>;
  /** Counts a notification by source and kind (metrics). */
  countNotification?: (source: string, kind: ParsedNotification['kind']) => void;
  /** Recently seen signatures and their window; absent: exact replays inside the window are not refused. */
  replay?: { seen: SeenSignatures; windowSeconds: number };
  log: Logger;
  now?: () => Date;
}

const FHIR_JSON = /^application\/(fhir\+)?json(\s*;.*)?$/i;

/** Reads a request's body (undefined when empty) into a parsed notification. */
type ParseRequest = (req: Request, body: unknown, ctx: IntakeContext) => ParsedNotification;

/**
 * `POST /fhir/notify`: every inbound shape the EPD may send, authenticated per source; and the
 * classic R4 rest-hook `POST|PUT /fhir/notify/{type}/{id}`, with or without the resource.
 */
export function notifyRouter(deps: NotifyDeps): Router {
  const router = Router();
  // Raw body: the HMAC is over the exact bytes, and we parse JSON ourselves to answer in FHIR terms.
  const rawBody = express.raw({ type: () => true, limit: deps.maxBodyBytes });
  // Credentials from the headers first (no body read for a caller without any), then the body and
  // the full check, then the replay check: a replay is told apart only for an authenticated sender.
  const checks = [
    refuseBeforeBody(() => deps.sources),
    rawBody,
    authenticated(deps.sources),
    ...(deps.replay ? [replayGuard({ ...deps.replay, log: deps.log })] : []),
  ];
  router.post(
    '/fhir/notify',
    ...checks,
    acceptNotification(deps, (_req, body, ctx) =>
      body === undefined ? { kind: 'empty', eventNumbers: [] } : parseNotification(body, ctx),
    ),
  );
  const restHook = acceptNotification(deps, (req, body, ctx) =>
    parseRestHook(String(req.params.type), String(req.params.id), body, ctx),
  );
  router.post('/fhir/notify/:type/:id', ...checks, restHook);
  router.put('/fhir/notify/:type/:id', ...checks, restHook);
  return router;
}

function acceptNotification(deps: NotifyDeps, parse: ParseRequest) {
  return async (req: Request, res: Response): Promise<void> => {
    const source = res.locals.source as IntakeSource;
    const body = readBody(req);
    // One id from here to the Tasks: the sender's own when it gives one, else new (src/shared/request-id.ts).
    const requestId = requestIdOf(req.get(REQUEST_ID_HEADER), (body as { id?: unknown } | undefined)?.id);
    res.set(REQUEST_ID_HEADER, requestId);
    const log = deps.log.child({ source: source.id, requestId });
    const receivedAt = (deps.now?.() ?? new Date()).toISOString();
    const ctx = { source: source.id, epdBase: deps.epdBase, receivedAt };
    // A server that sends deletes names the resource in a header, with `{}` as the body (Medplum's rest hook).
    const deleted = req.get(DELETED_RESOURCE_HEADER);
    const parsed = deleted !== undefined ? parseDeletedResource(deleted, ctx) : parse(req, body, ctx);
    deps.countNotification?.(source.id, parsed.kind);
    // Noted (event numbers, liveness) while the events are queued, not before: one Redis round trip per request, not two.
    const noting = deps.onNotification?.(source.id, parsed, receivedAt) ?? Promise.resolve();
    if (parsed.kind === 'empty') {
      await noting;
      await deps.onEmptyPing?.(source.id);
      log.info('empty notification received');
      res.status(202).type('application/fhir+json').json(informational('empty notification accepted'));
      return;
    }
    if (parsed.kind !== 'events') {
      await noting;
      // handshake or heartbeat: the subscription is alive; nothing to queue
      log.info({ kind: parsed.kind }, 'subscription status received');
      res
        .status(200)
        .type('application/fhir+json')
        .json(informational(`${parsed.kind} acknowledged`));
      return;
    }
    const relevant = deps.relevantTypes();
    const events = parsed.events.filter((e) => relevant.has(e.resourceType)).map((e) => ({ ...e, requestId }));
    try {
      await Promise.all([noting, deps.enqueueEvents(events)]);
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw new AppError('the queue is unavailable; retry later', {
        status: 503,
        code: 'transient',
        retry: true,
        cause: err,
      });
    }
    log.info({ received: parsed.events.length, queued: events.length }, 'notification accepted');
    res
      .status(202)
      .type('application/fhir+json')
      .json(informational(`accepted ${parsed.events.length} event(s), ${events.length} for decision support`));
  };
}

function authenticated(sources: readonly IntakeSource[]): RequestHandler {
  return (req, res, next) => {
    res.locals.source = authenticate(req, sources);
    next();
  };
}

function authenticate(req: Request, sources: readonly IntakeSource[]): IntakeSource {
  const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  const source = verifySource(sources, {
    authorization: req.get('authorization'),
    signature: req.get(SIGNATURE_HEADER),
    timestamp: req.get(TIMESTAMP_HEADER),
    rawBody,
  });
  if (!source) throw new AppError('missing or invalid credentials', { status: 401, code: 'login', retry: false });
  return source;
}

/** The parsed JSON body; undefined for an empty body (an "empty ping"). */
function readBody(req: Request): unknown {
  const text = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : ''; // decoded once: it is parsed below
  if (text.trim() === '') return undefined;
  const type = req.get('content-type') ?? '';
  if (!FHIR_JSON.test(type)) {
    throw badInput(
      415,
      `content type "${type || '(none)'}" is not supported; send application/fhir+json or application/json`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw badInput(400, jsonSyntaxMessage(err));
  }
}

function informational(text: string) {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'information', code: 'informational', details: { text } }],
  };
}
