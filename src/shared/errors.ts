import { randomUUID } from 'node:crypto';
import type { OperationOutcome } from '@medplum/fhirtypes';

/** FHIR issue codes used by this service (http://hl7.org/fhir/issue-type). */
export type IssueCode =
  | 'invalid'
  | 'structure'
  | 'required'
  | 'value'
  | 'security'
  | 'login'
  | 'not-found'
  | 'not-supported'
  | 'too-costly'
  | 'duplicate'
  | 'conflict'
  | 'transient'
  | 'timeout'
  | 'throttled'
  | 'exception'
  | 'processing'
  | 'business-rule';

/** One problem inside an error; `expression` points at the offending field (FHIRPath or linkId). */
export interface Problem {
  code: IssueCode;
  message: string;
  expression?: string;
}

/**
 * The one error type of the service. `status` is what the HTTP edge answers; `retry` tells the
 * queue edge whether another attempt can succeed (false → BullMQ UnrecoverableError). The `id`
 * links an API answer to its log line.
 */
export class AppError extends Error {
  readonly id = randomUUID();
  readonly status: number;
  readonly retry: boolean;
  readonly problems: Problem[];

  constructor(
    message: string,
    options: { status?: number; retry?: boolean; code?: IssueCode; problems?: Problem[]; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.status = options.status ?? 500;
    this.retry = options.retry ?? this.status >= 500;
    this.problems = options.problems?.length
      ? options.problems
      : [{ code: options.code ?? (this.status >= 500 ? 'exception' : 'invalid'), message }];
  }
}

/** Bad input from a caller: 4xx, never retried. */
export function badInput(status: number, message: string, problems?: Problem[]): AppError {
  return new AppError(message, { status, retry: false, problems });
}

/** True when an error is worth another attempt (network trouble, 408, 429, 5xx). */
export function isRetryable(error: unknown): boolean {
  if (error instanceof AppError) return error.retry;
  return true; // unknown failures (network, bugs in a dependency) are retried; the attempt limit bounds them
}

/** The FHIR answer for an error; internal details of unexpected errors stay in the log. */
export function toOperationOutcome(error: AppError): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    id: error.id,
    issue: error.problems.map((p) => ({
      severity: 'error',
      code: p.code,
      details: { text: p.message },
      ...(p.expression ? { expression: [p.expression] } : {}),
    })),
  };
}
