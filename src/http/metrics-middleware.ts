import type { Request, RequestHandler } from 'express';
import type { Metrics } from '../shared/metrics.js';

/** Label of requests no route answered, so a scan of random paths cannot grow the label set. */
const UNMATCHED = '(unmatched)';

/**
 * Times every request and counts it by method, route pattern and status when the answer is sent.
 * The route is the pattern (`/decision-aids/:aidId/results`), never the path, to keep labels few.
 */
export function recordHttpMetrics(
  metrics: Pick<Metrics, 'httpDuration'>,
  mounts: readonly string[] = [],
): RequestHandler {
  return (req, res, next) => {
    const end = metrics.httpDuration.startTimer();
    res.once('finish', () => {
      end({ method: req.method, route: routeOf(req, mounts), status: String(res.statusCode) });
    });
    next();
  };
}

function routeOf(req: Request, mounts: readonly string[]): string {
  const pattern = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof pattern === 'string') return `${req.baseUrl}${pattern}`;
  // Mounted apps (the queue dashboard) have routes of their own: count them under their mount path.
  return mounts.find((mount) => req.originalUrl === mount || req.originalUrl.startsWith(`${mount}/`)) ?? UNMATCHED;
}
