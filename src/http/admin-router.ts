import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import { Router } from 'express';
import { requireAdminToken } from './admin-auth.js';

/** Where the queue dashboard is served. */
export const ADMIN_QUEUES_PATH = '/admin/queues';

/** Shorter admin tokens could be guessed over the network, as for intake tokens. */
const MIN_ADMIN_TOKEN_LENGTH = 16;

/** What the dashboard needs. */
export interface AdminDeps {
  /** ADMIN_TOKEN: without one the dashboard is not mounted at all. */
  token: string;
  queues: readonly Queue[];
}

/**
 * The Bull Board queue dashboard at `/admin/queues`, behind the admin token. Operators see every
 * job's state, data (references only) and failure reason, and can retry or promote jobs there.
 * Refuses to build without a token of a safe length, so it can never be mounted open.
 */
export function adminRouter(deps: AdminDeps): Router {
  if (deps.token.length < MIN_ADMIN_TOKEN_LENGTH) {
    throw new Error(`the queue dashboard needs an ADMIN_TOKEN of at least ${MIN_ADMIN_TOKEN_LENGTH} characters`);
  }
  const board = new ExpressAdapter();
  board.setBasePath(ADMIN_QUEUES_PATH);
  createBullBoard({
    queues: deps.queues.map((queue) => new BullMQAdapter(queue)),
    serverAdapter: board,
    options: { uiConfig: { boardTitle: 'sdm-bridge' } },
  });
  const router = Router();
  router.use(ADMIN_QUEUES_PATH, requireAdminToken(deps.token), board.getRouter() as Router);
  return router;
}
