import express, { type Express } from 'express';
import type { Logger } from '../shared/logger.js';
import { errorHandler, notFound } from './error-handler.js';
import { notifyRouter, type NotifyDeps } from './notify-router.js';

/** Everything the HTTP surface needs; tests pass fakes. */
export interface AppDeps {
  log: Logger;
  notify: Omit<NotifyDeps, 'log'>;
}

/** Builds the express app: intake routes, health, and the one error handler. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.use(notifyRouter({ ...deps.notify, log: deps.log }));
  app.use(notFound);
  app.use(errorHandler(deps.log));
  return app;
}
