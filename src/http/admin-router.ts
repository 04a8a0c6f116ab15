import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import { Router } from 'express';
import { requireAdminToken } from './admin-auth.js';
import { dashboardGuard } from './dashboard-guard.js';

/** Where the queue dashboard is served. */
export const ADMIN_QUEUES_PATH = '/admin/queues';

/** Shorter admin tokens could be guessed over the network, as for intake tokens. */
const MIN_ADMIN_TOKEN_LENGTH = 16;

/** What the dashboard needs. */
export interface AdminDeps {
  /** ADMIN_TOKEN: without one the dashboard is not mounted at all. */
  token: string;
  queues: readonly Queue[];
  /** ADMIN_DASHBOARD_ACTIONS=on: retry, promote, add, clean from the dashboard (bearer only); off: read-only. */
  allowActions?: boolean;
}

/**
 * The Bull Board queue dashboard at `/admin/queues`, behind the admin token. Operators see every
 * job's state, data (references only) and failure reason; it changes nothing unless actions are
 * switched on (see `dashboardGuard`), and Bull Board itself is read-only then too.
 * Refuses to build without a token of a safe length, so it can never be mounted open.
 */
export function adminRouter(deps: AdminDeps): Router {
  if (deps.token.length < MIN_ADMIN_TOKEN_LENGTH) {
    throw new Error(`the queue dashboard needs an ADMIN_TOKEN of at least ${MIN_ADMIN_TOKEN_LENGTH} characters`);
  }
  const board = new ExpressAdapter();
  board.setBasePath(ADMIN_QUEUES_PATH);
  createBullBoard({
    queues: deps.queues.map((queue) => new BullMQAdapter(queue, { readOnlyMode: !deps.allowActions })),
    serverAdapter: board,
    options: { uiConfig: { boardTitle: 'sdm-bridge' } },
  });
  const router = Router();
  router.use(
    ADMIN_QUEUES_PATH,
    requireAdminToken(deps.token),
    dashboardGuard({ token: deps.token, allowActions: deps.allowActions ?? false }),
    board.getRouter() as Router,
  );
  return router;
}
