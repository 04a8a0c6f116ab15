import { AppError } from '../shared/errors.js';

/** One problem in the mapping files, pointing at the file, line and field to fix. */
export interface MappingIssue {
  file: string;
  line?: number;
  /** Path of the field, e.g. `triggers[2].patient.maxAge`; empty for the file as a whole. */
  field: string;
  message: string;
}

/** `file:line field: message`, the form editors and CI logs turn into links. */
export function formatMappingIssue(issue: MappingIssue): string {
  const where = issue.line === undefined ? issue.file : `${issue.file}:${issue.line}`;
  return issue.field ? `${where} ${issue.field}: ${issue.message}` : `${where}: ${issue.message}`;
}

/**
 * The mapping files cannot be used: every problem found in every file, so hospital IT fixes them
 * in one pass. A configuration fault, so retrying does not help.
 */
export class MappingError extends AppError {
  readonly errors: MappingIssue[];

  constructor(errors: MappingIssue[]) {
    super(
      `mapping files have ${errors.length} problem${errors.length === 1 ? '' : 's'}:\n${errors.map(formatMappingIssue).join('\n')}`,
      {
        status: 500,
        retry: false,
        problems: errors.map((issue) => ({
          code: 'invalid',
          message: formatMappingIssue(issue),
          expression: issue.field || undefined,
        })),
      },
    );
    this.errors = errors;
  }
}
