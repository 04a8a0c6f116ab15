import type { Request, RequestHandler } from 'express';
import type { IntakeSource } from '../config/load-config.js';
import { AppError } from '../shared/errors.js';
import {
  DEFAULT_SIGNATURE_MAX_AGE_SECONDS,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  bearerToken,
  isFresh,
  safeEqual,
  signaturesOf,
} from './verify-source.js';

/**
 * Bodies read at once for one client that has not proven who it is yet (a signed request: its
 * HMAC needs the body). Senders sign and send one notification at a time per connection; a few
 * connections in parallel is plenty, and 50 bogus 5 MB uploads no longer sit in memory together.
 */
export const MAX_UNVERIFIED_BODIES_PER_CLIENT = 4;

/** Express locals set by `refuseBeforeBody`: the bearer token already matched, no need to read the body for that. */
export interface PreCheck {
  bearerSource?: IntakeSource;
}

/**
 * Refuses from the headers alone, before a byte of the body is read (and before it is inflated):
 * - a bearer token that matches a candidate passes at once (`res.locals.preCheck.bearerSource`);
 * - a signed request passes only with a timestamp inside a signing candidate's window, and only
 *   while its client has fewer than `MAX_UNVERIFIED_BODIES_PER_CLIENT` bodies being read (else 429);
 * - anything else is a 401, and the connection is closed instead of draining the upload.
 * The route still verifies everything after reading; this only makes the refusals cheap.
 */
export function refuseBeforeBody(
  candidates: (req: Request) => readonly IntakeSource[],
  inFlight = new Map<string, number>(),
): RequestHandler {
  return (req, res, next) => {
    const sources = candidates(req);
    const token = bearerToken(req.get('authorization'));
    const bearerSource = token
      ? sources.find((s) => s.auth.type === 'bearer' && safeEqual(token, s.auth.token))
      : undefined;
    if (bearerSource) {
      res.locals.preCheck = { bearerSource } satisfies PreCheck;
      return next();
    }
    if (!mayBeSigned(req, sources)) return refuse(res, 401, 'login', 'missing or invalid credentials', next);
    const client = req.socket.remoteAddress ?? 'unknown';
    const reading = inFlight.get(client) ?? 0;
    if (reading >= MAX_UNVERIFIED_BODIES_PER_CLIENT)
      return refuse(res, 429, 'throttled', 'too many unverified requests in flight from this client', next);
    inFlight.set(client, reading + 1);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      const left = (inFlight.get(client) ?? 1) - 1;
      if (left > 0) inFlight.set(client, left);
      else inFlight.delete(client);
    };
    // Whichever closes first ends the read: the response (answered, or its connection dropped) or
    // the request (its body read, or destroyed). Both, so no path can keep a place taken for good.
    res.once('close', release);
    req.once('close', release);
    // A client that dropped the connection before this ran has had its 'close' already: give the place back now.
    if (res.closed || req.destroyed || req.socket.destroyed) release();
    res.locals.preCheck = {} satisfies PreCheck;
    next();
  };
}

/** A signature header with a timestamp some signing candidate would still accept. */
function mayBeSigned(req: Request, sources: readonly IntakeSource[]): boolean {
  if (signaturesOf(req.get(SIGNATURE_HEADER)).length === 0) return false;
  const timestamp = req.get(TIMESTAMP_HEADER);
  const now = Date.now();
  return sources.some(
    (s) => s.auth.type === 'hmac' && isFresh(timestamp, now, s.auth.maxAgeSeconds ?? DEFAULT_SIGNATURE_MAX_AGE_SECONDS),
  );
}

function refuse(
  res: Parameters<RequestHandler>[1],
  status: number,
  code: 'login' | 'throttled',
  message: string,
  next: Parameters<RequestHandler>[2],
): void {
  // Close instead of draining: the unread upload is dropped with the connection, never buffered.
  res.setHeader('Connection', 'close');
  next(new AppError(message, { status, code, retry: status === 429 }));
}
