import type { BundleEntry, Resource } from '@medplum/fhirtypes';
import type { Problem } from '../shared/errors.js';
import { EpdError, isConflictStatus, isRetryableStatus, issueCodeForStatus } from './epd-error.js';

/** One entry of a batch or transaction answer that succeeded: its status, and what it returned. */
export interface EntryDone {
  status: number;
  resource?: Resource;
  location?: string;
}

/** One entry of a batch or transaction answer: done, or why it failed. */
export type EntryAnswer = EntryDone | { error: EpdError };

/** At most this many issues of one entry go into its error; the rest adds length, not insight. */
const MAX_ISSUES = 5;
/** An issue code as FHIR defines them (`conflict`, `multiple-matches`); anything else is not shown. */
const ISSUE_CODE = /^[a-z][a-z-]{0,39}$/;
/** An expression longer than this is cut: a FHIRPath to an element is short. */
const MAX_EXPRESSION_LENGTH = 120;

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
 * expressions. Never the issues' texts: a server's diagnostics may quote the data it refused,
 * which here is patient data; quoted values inside an expression are left out for the same reason.
 */
export function entryError(request: string, status: number, outcome: unknown): EpdError {
  const code = issueCodeForStatus(status);
  const problems: Problem[] = issuesOf(outcome).map(({ code: issueCode, expression }) => ({
    code,
    message: `${issueCode}${expression ? ` at ${expression}` : ''}`,
    ...(expression ? { expression } : {}),
  }));
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

function issuesOf(outcome: unknown): { code: string; expression?: string }[] {
  const issues = (outcome as { resourceType?: unknown; issue?: unknown } | undefined)?.issue;
  if (
    (outcome as { resourceType?: unknown } | undefined)?.resourceType !== 'OperationOutcome' ||
    !Array.isArray(issues)
  )
    return [];
  return issues.slice(0, MAX_ISSUES).flatMap((issue: { code?: unknown; expression?: unknown; location?: unknown }) => {
    if (typeof issue.code !== 'string' || !ISSUE_CODE.test(issue.code)) return [];
    const expression = firstString(issue.expression) ?? firstString(issue.location);
    return [{ code: issue.code, ...(expression ? { expression: withoutValues(expression) } : {}) }];
  });
}

function firstString(value: unknown): string | undefined {
  const first: unknown = Array.isArray(value) ? value[0] : undefined;
  return typeof first === 'string' && first.trim() ? first.trim() : undefined;
}

/** `Patient.identifier.where(value = '999911120')` → `Patient.identifier.where(value = '…')`, cut to a sane length. */
function withoutValues(expression: string): string {
  return expression
    .replace(/'(?:[^'\\]|\\.)*'/g, "'…'")
    .replace(/"(?:[^"\\]|\\.)*"/g, '"…"')
    .slice(0, MAX_EXPRESSION_LENGTH);
}
