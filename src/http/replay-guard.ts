import { createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { RedisConnection } from '../queue/redis-connection.js';
import { whenRedisReady } from '../queue/fail-fast.js';
import { AppError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { SIGNATURE_HEADER, signaturesOf } from './verify-source.js';

/** Signatures seen recently, shared by every API replica (Redis) or held in memory (unit tests). */
export interface SeenSignatures {
  /** Records a signature for `ttlSeconds`; false when it was already there (a replay). */
  claim(signature: string, ttlSeconds: number): Promise<boolean>;
  /** Forgets a signature whose request was not accepted, so the sender may send the same bytes again. */
  release(signature: string): Promise<void>;
}

/**
 * Refuses an exact copy of a signed request while its timestamp is still inside the window (409).
 *
 * Why claim first and release on failure: a signed request is claimed before it is handled, so
 * two copies racing each other cannot both pass; if the request is not accepted (401, 4xx, 503, or
 * the sender hung up) the claim is released, so a sender that retries the very same bytes after a
 * failure is not refused. A legitimate redelivery is signed again with a new timestamp, gets a new
 * signature and passes; its events are then recognised by their event keys, as for any redelivery.
 * Every `v1=` value is claimed on its own, so adding a bogus value to a captured header does not
 * turn a replay into a new request.
 */
export function replayGuard(deps: { seen: SeenSignatures; windowSeconds: number; log: Logger }): RequestHandler {
  const ttlSeconds = 2 * deps.windowSeconds; // a timestamp is good from window before to window after it
  return async (req, res, next) => {
    const signatures = [...new Set(signaturesOf(req.get(SIGNATURE_HEADER)))];
    if (signatures.length === 0 || deps.windowSeconds <= 0) {
      next();
      return;
    }
    const claims = await Promise.all(signatures.map((s) => deps.seen.claim(s, ttlSeconds)));
    const mine = signatures.filter((_, i) => claims[i]);
    const releaseMine = () => Promise.all(mine.map((s) => deps.seen.release(s)));
    if (claims.some((claimed) => !claimed)) {
      await releaseMine();
      throw new AppError('this signed request was already received', { status: 409, code: 'duplicate', retry: false });
    }
    // Released once, before a refusal leaves: a sender that sends the same bytes again right after
    // the answer (say with the content type it forgot) must not find its own claim still there.
    let released = false;
    const release = () => {
      if (released) return Promise.resolve();
      released = true;
      // A release that fails leaves the claim to expire with its TTL; the sender can re-sign meanwhile.
      return releaseMine().then(
        () => undefined,
        (err: Error) => deps.log.warn({ reason: err.message }, 'signature claim not released'),
      );
    };
    const end = res.end.bind(res) as (...args: unknown[]) => typeof res;
    res.end = ((...args: unknown[]) => {
      if (res.statusCode < 300) return end(...args);
      void release().then(() => end(...args));
      return res;
    }) as typeof res.end;
    res.once('close', () => {
      if (!res.writableFinished) void release(); // the sender hung up before an answer
    });
    next();
  };
}

/** Signatures in Redis under `<prefix>:intake:signature:<sha256>`, each with its own expiry. */
export function createRedisSeenSignatures(redis: RedisConnection, prefix: string): SeenSignatures {
  const key = (signature: string) =>
    `${prefix}:intake:signature:${createHash('sha256').update(signature).digest('hex')}`;
  return {
    async claim(signature, ttlSeconds) {
      try {
        const set = await whenRedisReady(redis, () => redis.set(key(signature), '1', 'EX', ttlSeconds, 'NX'));
        return set === 'OK';
      } catch (err) {
        if (err instanceof AppError) throw err;
        throw new AppError('the replay check is unavailable; retry later', {
          status: 503,
          code: 'transient',
          cause: err,
        });
      }
    },
    async release(signature) {
      await redis.del(key(signature));
    },
  };
}

/** In-memory signatures for tests on `createApp` without Redis. */
export function memorySeenSignatures(now: () => number = Date.now): SeenSignatures {
  const expiry = new Map<string, number>();
  return {
    async claim(signature, ttlSeconds) {
      const until = expiry.get(signature);
      if (until !== undefined && until > now()) return false;
      expiry.set(signature, now() + ttlSeconds * 1000);
      return true;
    },
    async release(signature) {
      expiry.delete(signature);
    },
  };
}
