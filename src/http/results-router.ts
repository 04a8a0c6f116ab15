import express, { Router, type Request, type RequestHandler } from 'express';
import { checkJsonLimits, jsonSyntaxMessage } from '../intake/json-limits.js';
import type { ResultJobData } from '../queue/job-types.js';
import type { CompiledMappings } from '../rules/compile-mappings.js';
import type { DecisionAid } from '../rules/types.js';
import { AppError, badInput } from '../shared/errors.js';
import { REQUEST_ID_HEADER, requestIdOf } from '../shared/request-id.js';
import type { Logger } from '../shared/logger.js';
import { refuseBeforeBody } from './cheap-refusals.js';
import { replayGuard, type SeenSignatures } from './replay-guard.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifySource } from './verify-source.js';

/** What the results route needs. */
export interface ResultsDeps {
  getMappings: () => CompiledMappings;
  maxBodyBytes: number;
  /** Reads and checks a posted result (finds its invitation in the EPD); throws a 4xx AppError listing every problem. */
  acceptResult: (aid: DecisionAid, body: unknown, receivedAt: string) => Promise<ResultJobData>;
  /** Adds the results job; resolves only when Redis holds it. */
  enqueueResult: (job: ResultJobData) => Promise<void>;
  /** Recently seen signatures and their window; absent: exact replays inside the window are not refused. */
  replay?: { seen: SeenSignatures; windowSeconds: number };
  log: Logger;
  now?: () => Date;
}

/** The path of the route, with the aid's id as `:aidId`. */
export const RESULTS_PATH = '/decision-aids/:aidId/results';

const JSON_TYPE = /^application\/(fhir\+)?json(\s*;.*)?$/i;

/**
 * `POST /decision-aids/{aidId}/results`: a decision-aid platform posts a result (its own JSON, a
 * QuestionnaireResponse, or a completed Task). Each aid has its own credential in the mapping
 * file, so a platform can only answer its own invitations. 202 only once Redis holds the job.
 */
export function resultsRouter(deps: ResultsDeps): Router {
  const router = Router();
  // Raw body: a signature is over the exact bytes, and JSON errors are answered in FHIR terms.
  const rawBody = express.raw({ type: () => true, limit: deps.maxBodyBytes });
  const aidOf = (req: Request) => deps.getMappings().decisionAids.get(String(req.params.aidId));
  // As on the notify route: the aid, then credentials from the headers before any body is read,
  // then the full check on the body, then the replay check for an authenticated sender only.
  const checks: RequestHandler[] = [
    (req, res, next) => {
      const aid = aidOf(req);
      if (!aid?.results)
        throw new AppError(`decision aid ${String(req.params.aidId)} does not post results here`, {
          status: 404,
          code: 'not-found',
          retry: false,
        });
      res.locals.aid = aid;
      next();
    },
    refuseBeforeBody((req) => {
      const aid = aidOf(req);
      return aid?.results ? [{ id: aid.id, auth: aid.results.auth }] : [];
    }),
    rawBody,
    (req, res, next) => {
      authenticate(req, res.locals.aid as DecisionAid);
      next();
    },
    ...(deps.replay ? [replayGuard({ ...deps.replay, log: deps.log })] : []),
  ];
  router.post(RESULTS_PATH, ...checks, async (req, res) => {
    const aid = res.locals.aid as DecisionAid;
    const receivedAt = (deps.now?.() ?? new Date()).toISOString();
    const requestId = requestIdOf(req.get(REQUEST_ID_HEADER));
    res.set(REQUEST_ID_HEADER, requestId);
    const job = { ...(await deps.acceptResult(aid, readJson(req), receivedAt)), requestId };
    try {
      await deps.enqueueResult(job);
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw new AppError('the queue is unavailable; retry later', {
        status: 503,
        code: 'transient',
        retry: true,
        cause: err,
      });
    }
    deps.log.info(
      { aidId: aid.id, requestId, invitationId: job.invitationId, task: job.task, responses: job.responses.length },
      'result accepted',
    );
    const text = `result accepted for invitation ${job.invitationId}: ${job.responses.length} questionnaire response(s) will be written`;
    res
      .status(202)
      .type('application/fhir+json')
      .json({
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'information', code: 'informational', details: { text } }],
      });
  });
  return router;
}

function authenticate(req: Request, aid: DecisionAid): void {
  const source = verifySource([{ id: aid.id, auth: aid.results!.auth }], {
    authorization: req.get('authorization'),
    signature: req.get(SIGNATURE_HEADER),
    timestamp: req.get(TIMESTAMP_HEADER),
    rawBody: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
  });
  if (!source) throw new AppError('missing or invalid credentials', { status: 401, code: 'login', retry: false });
}

function readJson(req: Request): unknown {
  const raw = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
  const type = req.get('content-type') ?? '';
  if (!JSON_TYPE.test(type))
    throw badInput(
      415,
      `content type "${type || '(none)'}" is not supported; send application/json or application/fhir+json`,
    );
  if (!raw.trim()) throw badInput(400, 'the body is empty; send the result');
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch (err) {
    throw badInput(400, jsonSyntaxMessage(err));
  }
  checkJsonLimits(body); // nested items 20,000 deep overflowed the stack of the answer checks (a 500): see docs/security.md
  return body;
}
