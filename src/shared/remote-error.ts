import { createHash } from 'node:crypto';
import { AppError, type IssueCode, type Problem } from './errors.js';

/**
 * What may be kept of another system's error answer (the EPD's OperationOutcome, a platform's
 * error body): its status, the issue codes and where they point, and a short hash of the text.
 * Why never the text: servers quote the data they refused in `details.text` and `diagnostics` —
 * names, BSNs, addresses — and whatever an error says ends up in logs, in BullMQ's
 * `failedReason`/`stacktrace` (kept for weeks, shown on the dashboard) and in HTTP answers. The
 * hash lets an operator match the line with the other system's own log without seeing the text.
 */
export interface RemoteErrorSummary {
  status: number;
  issues: RemoteIssue[];
  /** First 12 hex digits of the SHA-256 of the answer's text; absent for an empty answer. */
  textHash?: string;
}

/** One issue of a remote OperationOutcome: its code and, where given, the element it names (values removed). */
export interface RemoteIssue {
  code: string;
  expression?: string;
}

/** At most this many issues are kept; the rest adds length, not insight. */
const MAX_ISSUES = 5;
/** An issue code as FHIR defines them (`conflict`, `multiple-matches`); anything else is not shown. */
const ISSUE_CODE = /^[a-z][a-z-]{0,39}$/;
/** An expression longer than this is cut: a FHIRPath to an element is short. */
const MAX_EXPRESSION_LENGTH = 120;

/** The summary of an error answer; `body` is the parsed JSON or the raw text. */
export function summariseRemoteError(status: number, body: unknown): RemoteErrorSummary {
  const parsed = typeof body === 'string' ? parseJson(body) : body;
  const text = typeof body === 'string' ? body : body === undefined || body === null ? '' : JSON.stringify(body);
  const textHash = text.trim() ? createHash('sha256').update(text).digest('hex').slice(0, 12) : undefined;
  return { status, issues: issuesOf(parsed), ...(textHash ? { textHash } : {}) };
}

/** `invalid at Patient.name; conflict (text #0a1b2c3d4e5f)`: the summary as a message tail. */
export function describeRemoteIssues(summary: RemoteErrorSummary): string {
  const issues = summary.issues.map(issueText).join('; ');
  const hash = summary.textHash ? `text #${summary.textHash}` : '';
  return [issues, hash ? `(${hash})` : ''].filter(Boolean).join(' ');
}

/** The issues as problems of an AppError, under the service's own issue `code`. */
export function remoteProblems(summary: RemoteErrorSummary, code: IssueCode): Problem[] {
  return summary.issues.map((issue) => ({
    code,
    message: issueText(issue),
    ...(issue.expression ? { expression: issue.expression } : {}),
  }));
}

function issueText(issue: RemoteIssue): string {
  return `${issue.code}${issue.expression ? ` at ${issue.expression}` : ''}`;
}

function issuesOf(outcome: unknown): RemoteIssue[] {
  const issues = (outcome as { resourceType?: unknown; issue?: unknown } | undefined)?.issue;
  if (
    (outcome as { resourceType?: unknown } | undefined)?.resourceType !== 'OperationOutcome' ||
    !Array.isArray(issues)
  )
    return [];
  return issues.slice(0, MAX_ISSUES).flatMap((issue: { code?: unknown; expression?: unknown; location?: unknown }) => {
    if (typeof issue?.code !== 'string' || !ISSUE_CODE.test(issue.code)) return [];
    const expression = firstString(issue.expression) ?? firstString(issue.location);
    return [{ code: issue.code, ...(expression ? { expression: withoutValues(expression) } : {}) }];
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
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
    .replace(/\d{6,}/g, '…')
    .slice(0, MAX_EXPRESSION_LENGTH);
}

/**
 * What may be logged or stored of any thrown error: an AppError's own message (the service builds
 * those from codes, references and ids), or for anything else its name, its system code
 * (`ECONNRESET`) and a hash of its message — a library's message may quote the data it choked on.
 */
export function safeErrorText(error: unknown): string {
  if (error instanceof AppError) return error.message;
  const name = error instanceof Error ? error.name : typeof error;
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  const hash = message ? ` (text #${createHash('sha256').update(message).digest('hex').slice(0, 12)})` : '';
  return `${name}${typeof code === 'string' && /^[A-Z0-9_]{2,40}$/.test(code) ? ` ${code}` : ''}${hash}`;
}

/** An Error safe to hand to BullMQ (failedReason, stacktrace): `safeErrorText` as message, the frames kept. */
export function safeError<E extends Error>(error: unknown, make: (message: string) => E): E {
  const safe = make(safeErrorText(error));
  const frames = error instanceof Error ? (error.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l)) : [];
  safe.stack = [`${safe.name}: ${safe.message}`, ...frames].join('\n');
  return safe;
}
