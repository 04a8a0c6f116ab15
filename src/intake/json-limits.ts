import { AppError, badInput, type Problem } from '../shared/errors.js';

/**
 * Nesting deeper than this is refused. A QuestionnaireResponse with twenty levels of nested items
 * inside a Bundle entry is about 45 deep; the parsers and the content hash recurse, and a body of
 * a million `[` would otherwise overflow the stack.
 */
export const MAX_JSON_DEPTH = 100;
/** Entries of one notification Bundle: far above a busy minute of an EPD, far below a flood of jobs from one request. */
export const MAX_BUNDLE_ENTRIES = 10_000;
/** Problems listed in one answer; the rest are counted, so a broken Bundle of 100k entries does not yield a 20 MB answer. */
export const MAX_PROBLEMS = 100;
/** Characters of a sender's value quoted back in a problem message. */
const MAX_QUOTED = 64;

/**
 * Checks the shape limits of a parsed body before any parser walks it: nesting depth, and the
 * number of Bundle entries. Iterative, so the check itself cannot overflow the stack.
 */
export function checkJsonLimits(body: unknown): void {
  const stack: [unknown, number][] = [[body, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (depth > MAX_JSON_DEPTH) {
      const message = `body is nested more than ${MAX_JSON_DEPTH} levels deep`;
      throw badInput(400, message, [{ code: 'too-costly', message }]);
    }
    for (const child of Object.values(value))
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
  }
  const entries = (body as { entry?: unknown } | null)?.entry;
  if (Array.isArray(entries) && entries.length > MAX_BUNDLE_ENTRIES) {
    const message = `Bundle has ${entries.length} entries; at most ${MAX_BUNDLE_ENTRIES} are accepted in one notification`;
    throw new AppError(message, {
      status: 413,
      retry: false,
      problems: [{ code: 'too-costly', message, expression: 'Bundle.entry' }],
    });
  }
}

/** Refuses a notification that names more changes than one Bundle may hold (a message with 100k foci, say). */
export function checkEventCount(count: number): void {
  if (count <= MAX_BUNDLE_ENTRIES) return;
  const message = `notification names ${count} changes; at most ${MAX_BUNDLE_ENTRIES} are accepted at once`;
  throw new AppError(message, { status: 413, retry: false, problems: [{ code: 'too-costly', message }] });
}

/** The same error with at most MAX_PROBLEMS problems, the rest summed up in one last problem. */
export function capProblems(error: AppError): AppError {
  if (error.problems.length <= MAX_PROBLEMS) return error;
  const more = error.problems.length - MAX_PROBLEMS;
  const problems: Problem[] = [
    ...error.problems.slice(0, MAX_PROBLEMS),
    { code: 'too-costly', message: `and ${more} more problem(s) of the same kind` },
  ];
  return new AppError(error.message, { status: error.status, retry: error.retry, problems });
}

/**
 * Why a body is not JSON, without quoting it: V8's messages may quote the text around the fault
 * (`Unexpected token 'S', ..."given":[Sem]}" is not valid JSON`), and that text is patient data
 * the error handler would log. Only the position is kept.
 */
export function jsonSyntaxMessage(err: unknown): string {
  const position = /at position (\d+)/.exec((err as Error)?.message ?? '')?.[1];
  return position === undefined ? 'body is not valid JSON' : `body is not valid JSON (at position ${position})`;
}

/** A sender's value for a problem message: cut short, so a megabyte-long `type` is not echoed back. */
export function quoted(value: string): string {
  return JSON.stringify(value.length > MAX_QUOTED ? `${value.slice(0, MAX_QUOTED)}…` : value);
}
