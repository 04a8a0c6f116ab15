import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, toOperationOutcome } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { safeErrorText } from '../shared/remote-error.js';

/**
 * The one place where errors become HTTP answers: an AppError's status and problems, or a 500 that
 * hides internals. Always a FHIR OperationOutcome; its id is the `errorId` in the log line.
 */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const error = normalise(err);
    const fields = { errorId: error.id, method: req.method, path: req.path, status: error.status };
    if (error.status >= 500) log.error({ ...fields, reason: safeErrorText(err) }, 'request failed');
    else log.warn({ ...fields, reason: error.message }, 'request refused');
    if (error.status === 503) res.setHeader('Retry-After', '5');
    res.status(error.status).type('application/fhir+json').json(toOperationOutcome(error));
  };
}

/** Unknown routes answer 404 with an OperationOutcome, like the rest. */
export const notFound: RequestHandler = (req, _res, next) => {
  next(new AppError(`no route for ${req.method} ${req.path}`, { status: 404, code: 'not-found', retry: false }));
};

function normalise(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = err as { type?: string; status?: number; message?: string };
  // body-parser errors carry a status and a type
  if (e?.type === 'entity.too.large')
    return new AppError('request body too large', { status: 413, code: 'too-costly', retry: false });
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') {
    return new AppError('unsupported body encoding', { status: 415, code: 'not-supported', retry: false });
  }
  if (e?.status && e.status >= 400 && e.status < 500)
    return new AppError(e.message ?? 'bad request', { status: e.status, retry: false });
  return new AppError('internal error', { status: 500, cause: err });
}
