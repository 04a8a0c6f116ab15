import { Router } from 'express';
import { AppError, toOperationOutcome } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { ReadinessReport } from './readiness.js';

/** What the probes need: the readiness check (absent: nothing to check, always ready) and a logger. */
export interface HealthDeps {
  readiness?: () => Promise<ReadinessReport>;
  log: Logger;
}

/** Seconds a caller should wait before asking again after a 503, as on the intake route. */
const RETRY_AFTER_SECONDS = '5';

/**
 * `GET /healthz` (the process is alive: it answers) and `GET /readyz` (it can do its work: 200 with
 * every check, or 503 with an OperationOutcome naming each failed check). Not-ready is answered
 * here, not through the error handler, so a probe every few seconds does not log an error each time:
 * only a change between ready and not ready is logged.
 */
export function healthRouter(deps: HealthDeps): Router {
  const router = Router();
  let wasReady: boolean | undefined;
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const report = deps.readiness ? await deps.readiness() : { ready: true, checks: [] };
    const failed = report.checks.filter((c) => !c.ok);
    if (report.ready !== wasReady) {
      if (report.ready) deps.log.info({ checks: report.checks }, 'ready');
      else deps.log.warn({ failed: failed.map((c) => `${c.name}: ${c.detail}`) }, 'not ready');
      wasReady = report.ready;
    }
    if (report.ready) {
      res.json({ status: 'ready', checks: report.checks });
      return;
    }
    const error = new AppError('not ready', {
      status: 503,
      problems: failed.map((c) => ({ code: 'transient', message: `${c.name}: ${c.detail}`, expression: c.name })),
    });
    res.status(503).setHeader('Retry-After', RETRY_AFTER_SECONDS);
    res.type('application/fhir+json').json(toOperationOutcome(error));
  });
  return router;
}
