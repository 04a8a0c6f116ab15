import type { RequestHandler } from 'express';
import { AppError } from '../shared/errors.js';
import { safeEqual } from './verify-source.js';

/** Methods that only read; every other method changes a queue (retry, promote, add, clean, obliterate). */
const READING = new Set(['GET', 'HEAD']);

/**
 * What may change state through the queue dashboard. Why this strict: a forged results job added
 * there completed another patient's Task, and a cross-site `text/plain` POST rode on a browser's
 * cached Basic credentials. So, after `requireAdminToken` let the request in:
 * - reading is always allowed;
 * - anything else is refused (405) unless actions are switched on (`ADMIN_DASHBOARD_ACTIONS=on`),
 *   and then needs `Authorization: Bearer <token>` — Basic is what a browser sends by itself, and
 *   no cookie ever counts — and no foreign `Origin` (nor a cross-site `Sec-Fetch-Site`).
 * Retry and promote remain possible without the dashboard: `sdm-bridge replay`.
 */
export function dashboardGuard(options: { token: string; allowActions: boolean }): RequestHandler {
  return (req, _res, next) => {
    if (READING.has(req.method)) return next();
    if (!options.allowActions)
      return next(refused(405, 'not-supported', 'the queue dashboard is read-only; use `sdm-bridge replay` to retry'));
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '')?.[1] ?? '';
    if (!safeEqual(bearer, options.token))
      return next(refused(401, 'login', 'dashboard actions need the admin token as a bearer token'));
    if (!sameOrigin(req.get('origin'), req.get('host'), req.protocol) || req.get('sec-fetch-site') === 'cross-site')
      return next(refused(403, 'security', 'dashboard actions are refused from another origin'));
    next();
  };
}

/** An absent Origin (curl, scripts) or one naming this very host. */
function sameOrigin(origin: string | undefined, host: string | undefined, protocol: string): boolean {
  if (origin === undefined) return true;
  return !!host && origin === `${protocol}://${host}`;
}

function refused(status: number, code: 'not-supported' | 'login' | 'security', message: string): AppError {
  return new AppError(message, { status, code, retry: false });
}
