import { finished } from 'node:stream';
import type { RequestHandler } from 'express';
import helmet from 'helmet';
import { AppError } from '../shared/errors.js';

/**
 * What runs before every route: helmet's security headers and a body size limit by Content-Length.
 *
 * Why this CSP: the API answers JSON, but the queue dashboard is a page with scripts and styles of
 * its own (and a web font). helmet's defaults fit it; `upgrade-insecure-requests` is dropped because
 * on plain HTTP inside a hospital network it would send the dashboard's own scripts to an HTTPS port
 * that does not exist, and framing is refused outright (nothing here is meant to be embedded).
 */
export function securityMiddleware(options: { maxBodyBytes: number }): RequestHandler[] {
  return [
    helmet({
      contentSecurityPolicy: { directives: { 'upgrade-insecure-requests': null, 'frame-ancestors': ["'none'"] } },
      frameguard: { action: 'deny' },
      referrerPolicy: { policy: 'no-referrer' },
    }),
    limitDeclaredBody(options.maxBodyBytes),
  ];
}

/**
 * Refuses a request whose declared body is over the limit before any route keeps a byte of it, on
 * every route, including ones that do not parse bodies. The body is read off and dropped first (as
 * body-parser does), so the sender sees the 413 rather than a connection reset mid-upload. Chunked
 * bodies carry no length: the parsers of the routes that read bodies enforce the same limit.
 */
function limitDeclaredBody(maxBodyBytes: number): RequestHandler {
  return (req, _res, next) => {
    const declared = Number(req.get('content-length') ?? 0);
    if (!(Number.isFinite(declared) && declared > maxBodyBytes)) {
      next();
      return;
    }
    const error = new AppError('request body too large', { status: 413, code: 'too-costly', retry: false });
    req.resume();
    finished(req, () => next(error));
  };
}
