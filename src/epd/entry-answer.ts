import type { BundleEntry, Resource } from '@medplum/fhirtypes';
import { remoteProblems, summariseRemoteError } from '../shared/remote-error.js';
import { EpdError, isConflictStatus, isRetryableStatus, issueCodeForStatus } from './epd-error.js';

/** One entry of a batch or transaction answer that succeeded: its status, and what it returned. */
export interface EntryDone {
  status: number;
  resource?: Resource;
  location?: string;
}

/** One entry of a batch or transaction answer: done, or why it failed. */
export type EntryAnswer = EntryDone | { error: EpdError };

/**
 * Reads one entry of a `batch-response` or `transaction-response` on its own: a server without
 * atomic transactions answers HTTP 200 and gives each entry its own status (some 409). `request`
 * names the entry in errors (method and path, never the query).
 */
export function readEntry(request: string, entry: BundleEntry | undefined): EntryAnswer {
  const status = Number.parseInt(entry?.response?.status ?? '', 10);
  if (!Number.isFinite(status))
    return {
      error: new EpdError(`EPD ${request} has no status in the answer`, {
        status: 502,
        retry: true,
        code: 'processing',
      }),
    };
  // Some servers put the OperationOutcome of a failed entry in `resource` instead of `response.outcome`.
  if (status < 200 || status >= 300)
    return { error: entryError(request, status, entry?.response?.outcome ?? entry?.resource) };
  const location = entry?.response?.location;
  return { status, ...(entry?.resource ? { resource: entry.resource } : {}), ...(location ? { location } : {}) };
}

/**
 * The EpdError of a failed entry: its status, and its OperationOutcome's issue codes and
 * expressions (see `summariseRemoteError`). Never the issues' texts: a server's diagnostics may
 * quote the data it refused, which here is patient data.
 */
export function entryError(request: string, status: number, outcome: unknown): EpdError {
  const code = issueCodeForStatus(status);
  const summary = summariseRemoteError(status, outcome);
  const problems = remoteProblems(summary, code);
  const detail = problems.length ? `: ${problems.map((p) => p.message).join('; ')}` : '';
  return new EpdError(`EPD ${request} failed with HTTP ${status}${detail}`, {
    status,
    retry: isRetryableStatus(status) || isConflictStatus(status),
    code,
    problems,
  });
}

/** `POST Task`, `PUT Task/1`: an entry's request as errors name it, without its query. */
export function entryRequest(entry: BundleEntry | undefined, index: number): string {
  const method = entry?.request?.method ?? 'GET';
  return `${method} ${(entry?.request?.url ?? '').split('?')[0]} (entry ${index + 1})`;
}
