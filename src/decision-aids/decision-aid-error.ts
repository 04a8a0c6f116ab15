import { AppError, type IssueCode } from '../shared/errors.js';
import { describeRemoteIssues, summariseRemoteError } from '../shared/remote-error.js';

/** Longest wait a platform may ask for; beyond it the queue's own backoff decides (a day). */
const MAX_RETRY_AFTER_MS = 24 * 60 * 60 * 1000;

/**
 * A failure talking to a decision-aid platform. `retry` follows the usual split (network, timeout,
 * 408, 429, 5xx → another attempt may work); `retryAfterMs` carries the platform's own `Retry-After`
 * so the invitation job can wait as long as asked instead of its default backoff.
 */
export class DecisionAidError extends AppError {
  readonly retryAfterMs?: number;
  /** The platform accepted the invitation but its answer held no usable link. */
  readonly linkMissing: boolean;

  constructor(
    message: string,
    options: {
      status: number;
      retry: boolean;
      code: IssueCode;
      retryAfterMs?: number;
      cause?: unknown;
      linkMissing?: boolean;
    },
  ) {
    super(message, { status: options.status, retry: options.retry, code: options.code, cause: options.cause });
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
    this.linkMissing = options.linkMissing ?? false;
  }
}

/**
 * The error for a non-2xx answer of the platform. `text` is the answer body: only its issue codes
 * and a hash of it are kept (`summariseRemoteError`), since platforms quote the invitation they
 * refused — names, BSN, address — in their error bodies.
 */
export function platformStatusError(
  aidId: string,
  status: number,
  text: string,
  retryAfterMs?: number,
): DecisionAidError {
  const detail = describeRemoteIssues(summariseRemoteError(status, text));
  const message = `decision aid ${aidId}: platform answered ${status}${detail ? `: ${detail}` : ''}`;
  if (status === 429)
    return new DecisionAidError(message, { status: 503, retry: true, code: 'throttled', retryAfterMs });
  if (status === 408) return new DecisionAidError(message, { status: 504, retry: true, code: 'timeout' });
  if (status >= 500)
    return new DecisionAidError(message, { status: 502, retry: true, code: 'transient', retryAfterMs });
  // Why 502 for a 4xx too: the platform refused our request, so to our own callers this is a bad
  // gateway (a configuration or template problem), never their bad input.
  return new DecisionAidError(message, { status: 502, retry: false, code: 'processing' });
}

/**
 * Reads a `Retry-After` header (delta-seconds or an HTTP date) as milliseconds from `now`;
 * undefined when absent or unreadable, capped at a day.
 */
export function parseRetryAfter(header: string | null, now: Date): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  const ms = /^\d+$/.test(trimmed) ? Number(trimmed) * 1000 : Date.parse(trimmed) - now.getTime();
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
}
