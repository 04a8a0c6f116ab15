import { AppError, type IssueCode, type Problem } from '../shared/errors.js';
import { describeRemoteIssues, remoteProblems, summariseRemoteError } from '../shared/remote-error.js';
import { TOO_LARGE } from './plain-size-errors.js';

/**
 * A failed call to the EPD. `status` is the EPD's HTTP status, or 0 when no answer came (network
 * error, timeout). `retry` says whether another attempt can help: network trouble, timeouts, 408,
 * 409, 412, 429 and 5xx can; other 4xx cannot. `retryAfterMs` carries the EPD's own `Retry-After`.
 * The message names the request (method and path, never the query: it may hold a BSN) and the
 * OperationOutcome's issue codes and expressions with a hash of its text (`summariseRemoteError`),
 * never the issue texts or a resource body: both may quote patient data.
 */
export class EpdError extends AppError {
  readonly retryAfterMs?: number;

  constructor(
    message: string,
    options: {
      status: number;
      retry: boolean;
      code?: IssueCode;
      problems?: Problem[];
      retryAfterMs?: number;
      cause?: unknown;
    },
  ) {
    super(message, options);
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }
}

/** True for the HTTP statuses another attempt can cure: 408, 429 and 5xx. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * True for 409 and 412 from a FHIR server. Why transient: a server that runs conditional creates
 * and updates in serializable transactions answers 409 when two writes meet (and some 412), and
 * the next attempt finds what the other write made; a stale If-Match also heals once the caller
 * reads the resource again.
 */
export function isConflictStatus(status: number): boolean {
  return status === 409 || status === 412;
}

/** `Retry-After` as milliseconds from `now`: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // An HTTP date names its day and month; Date.parse alone would also take `-5` as a year.
  const at = /[A-Za-z]/.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** What is read of an answer's headers: `fetch`'s `Headers` has it, and so can anything else. */
export interface HeaderLookup {
  get(name: string): string | null | undefined;
}

/** The EpdError for an HTTP answer outside 2xx (or a 2xx the client could not read). */
export function epdHttpError(request: string, status: number, body: unknown, headers?: HeaderLookup): EpdError {
  const summary = summariseRemoteError(status, body);
  const code = issueCodeForStatus(status);
  const retry = isRetryableStatus(status) || isConflictStatus(status);
  const redirect = status >= 300 && status < 400 ? ' (a redirect, not followed: is EPD_BASE_URL the FHIR base?)' : '';
  const detail = describeRemoteIssues(summary);
  const message = `EPD ${request} failed with HTTP ${status}${redirect}${detail ? `: ${detail}` : ''}`;
  return new EpdError(message, {
    status,
    retry,
    code,
    problems: remoteProblems(summary, code),
    retryAfterMs: retry ? parseRetryAfter(headers?.get('retry-after')) : undefined,
  });
}

/**
 * The EpdError for a call that got no (whole) answer: a timeout or a network failure (status 0,
 * retried), or an answer over the size cap (502, not retried: it would be as large next time).
 */
export function epdNetworkError(request: string, error: unknown, maxResponseBytes?: number): EpdError {
  if (isTimeout(error)) {
    return new EpdError(`EPD ${request} timed out`, { status: 0, retry: true, code: 'timeout', cause: error });
  }
  const reason = networkReason(error);
  if (reason === TOO_LARGE) {
    const limit = maxResponseBytes === undefined ? '' : ` of ${maxResponseBytes} bytes`;
    return new EpdError(`EPD ${request} answered more than the limit${limit} (EPD_MAX_RESPONSE_BYTES)`, {
      status: 502,
      retry: false,
      code: 'too-costly',
      cause: error,
    });
  }
  return new EpdError(`EPD ${request} failed: ${reason}`, { status: 0, retry: true, code: 'transient', cause: error });
}

/** Why a call got no answer, in a few words for an operator: `no answer in time`, `ECONNREFUSED`, ... */
export function failureReason(error: unknown): string {
  if (isTimeout(error)) return 'no answer in time';
  return networkReason(error);
}

/** True for a timeout abort (a DOMException named TimeoutError, also when wrapped). */
export function isTimeout(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as { name?: unknown }).name === 'TimeoutError') return true;
  }
  return false;
}

/** `ECONNRESET`, `ECONNREFUSED`, ... from fetch's `cause`; the bare message otherwise. */
function networkReason(error: unknown): string {
  for (let e: unknown = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return error instanceof Error ? error.message : 'network error';
}

/** The FHIR issue code that names a failure with this HTTP status. */
export function issueCodeForStatus(status: number): IssueCode {
  if (status === 401) return 'login';
  if (status === 403) return 'security';
  if (status === 404 || status === 410) return 'not-found';
  if (status === 409 || status === 412) return 'conflict';
  if (status === 408) return 'timeout';
  if (status === 429) return 'throttled';
  if (status >= 500) return 'transient';
  if (status >= 400) return 'invalid';
  return 'processing'; // a 2xx answer the client could not read
}
