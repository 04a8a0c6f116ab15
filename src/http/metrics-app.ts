import express, { type Express } from 'express';
import type { Logger } from '../shared/logger.js';
import type { Metrics } from '../shared/metrics.js';
import { errorHandler, notFound } from './error-handler.js';
import { healthRouter } from './health-router.js';
import type { ReadinessReport } from './readiness.js';

/** What the operations listener serves. */
export interface MetricsAppDeps {
  metrics: Metrics;
  readiness?: () => Promise<ReadinessReport>;
  log: Logger;
}

/**
 * The operations listener (METRICS_PORT): `GET /metrics` in Prometheus text format, and the same
 * `/healthz` and `/readyz` as the API. Why a port of its own instead of a token on the API port:
 * worker processes serve no API but have the job metrics, and a separate port keeps the service's
 * internals off the port the EPD reaches; the network decides who may scrape it.
 */
export function createMetricsApp(deps: MetricsAppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/metrics', async (_req, res) => {
    const text = await deps.metrics.registry.metrics();
    res.type(deps.metrics.registry.contentType).send(text);
  });
  app.use(healthRouter({ readiness: deps.readiness, log: deps.log }));
  app.use(notFound);
  app.use(errorHandler(deps.log));
  return app;
}
