import type { RequestHandler } from 'express';
import { AppError } from '../shared/errors.js';
import { safeEqual } from './verify-source.js';

/** The realm browsers show in their login prompt for the dashboard. */
const REALM = 'sdm-bridge admin';

/**
 * Lets a request through only with the admin token: `Authorization: Bearer <token>` for scripts,
 * or HTTP Basic auth with the token as password (any user name) so a browser can open the
 * dashboard. Anything else is a 401 OperationOutcome with a Basic challenge.
 */
export function requireAdminToken(token: string): RequestHandler {
  return (req, res, next) => {
    if (safeEqual(presentedToken(req.get('authorization')), token)) {
      next();
      return;
    }
    res.setHeader('WWW-Authenticate', `Basic realm="${REALM}", charset="UTF-8"`);
    next(new AppError('admin credentials required', { status: 401, code: 'login', retry: false }));
  };
}

/** The token a header carries: the bearer token, or the password of Basic credentials. */
export function presentedToken(header: string | undefined): string {
  const match = /^(Bearer|Basic)\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match) return '';
  if (match[1]!.toLowerCase() === 'bearer') return match[2]!;
  const decoded = Buffer.from(match[2]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? '' : decoded.slice(colon + 1);
}
