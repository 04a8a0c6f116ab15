import express, { type Express } from 'express';
import type { Logger } from '../shared/logger.js';
import type { Metrics } from '../shared/metrics.js';
import { ADMIN_QUEUES_PATH, adminRouter, type AdminDeps } from './admin-router.js';
import { errorHandler, notFound } from './error-handler.js';
import { healthRouter } from './health-router.js';
import { jwksRouter } from './jwks-router.js';
import { kpiRouter, type KpiDeps } from './kpi-router.js';
import { recordHttpMetrics } from './metrics-middleware.js';
import { openApiRouter } from './openapi-router.js';
import type { ReadinessReport } from './readiness.js';
import { notifyRouter, type NotifyDeps } from './notify-router.js';
import type { SeenSignatures } from './replay-guard.js';
import { resultsRouter, type ResultsDeps } from './results-router.js';
import { securityMiddleware } from './security-middleware.js';
import type { PublicJwk } from '../epd/smart-backend-auth.js';

/** Everything the HTTP surface needs; tests pass fakes. */
export interface AppDeps {
  log: Logger;
  notify: Omit<NotifyDeps, 'log'>;
  /** The readiness check behind `/readyz` (absent in unit tests: always ready). */
  readiness?: () => Promise<ReadinessReport>;
  /** Request metrics; served on the operations port, not here. */
  metrics?: Metrics;
  /** The queue dashboard; absent (no ADMIN_TOKEN): not mounted. */
  admin?: AdminDeps;
  /** The public keys of SMART Backend Services auth, served at /.well-known/jwks.json; absent or empty: not mounted. */
  jwks?: { keys: readonly PublicJwk[] };
  /** Recently seen signatures (intake and results) and their window; absent: exact replays inside the window are not refused. */
  replay?: { seen: SeenSignatures; windowSeconds: number };
  /** Results of decision-aid platforms (`POST /decision-aids/{id}/results`); absent: not mounted. */
  results?: Omit<ResultsDeps, 'log'>;
  /** The KPIs at /kpi and /kpi/report, behind the admin token; absent (no ADMIN_TOKEN): not mounted. */
  kpi?: KpiDeps;
}

/** Builds the express app: intake routes, health, and the one error handler. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  if (deps.metrics) app.use(recordHttpMetrics(deps.metrics, [ADMIN_QUEUES_PATH]));
  app.use(securityMiddleware({ maxBodyBytes: deps.notify.maxBodyBytes }));
  // The EPD's notifications first: they are nearly all the traffic, and every router before them is
  // tried on each one. The paths do not overlap, so the order changes nothing else.
  // The replay check runs inside each route, after authentication: a 409 must not tell a stranger
  // that a signature was seen.
  const replay = deps.replay ? { replay: deps.replay } : {};
  app.use(notifyRouter({ ...deps.notify, ...replay, log: deps.log }));
  if (deps.results) app.use(resultsRouter({ ...deps.results, ...replay, log: deps.log }));
  app.use(healthRouter({ readiness: deps.readiness, log: deps.log }));
  app.use(openApiRouter());
  if (deps.admin) app.use(adminRouter(deps.admin));
  if (deps.kpi) app.use(kpiRouter(deps.kpi));
  if (deps.jwks?.keys.length) app.use(jwksRouter(deps.jwks));
  app.use(notFound);
  app.use(errorHandler(deps.log));
  return app;
}
