import { evalFhirPathTyped, parseFhirPath, toTypedValue, type FhirPathAtom, type TypedValue } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import { bounded, withinBudget } from './bounded-fhir-path.js';

/** A FHIRPath expression parsed once at load, with its text for skip reasons. */
export interface CompiledPath {
  expression: string;
  atom: FhirPathAtom;
  /** How a skip reason names the path when the expression would say less than a name (a default path). */
  label?: string;
}

/**
 * Parses a FHIRPath expression strictly and, given a resource type, tries it once on an empty
 * resource of that type so unknown functions and variables are load errors, not silent misses.
 * Regular expressions run on a linear-time engine; one it cannot run is a load error (see
 * `bounded`). Throws an Error whose message says what is wrong.
 */
export function compileFhirPath(expression: string, resourceType?: string): CompiledPath {
  if (!expression.trim()) throw new Error('empty expression');
  assertBalanced(expression);
  // Why the parentheses: the parser stops quietly at the first token it cannot use, so
  // `status = 'active' and foo bar` would load as `status = 'active' and foo`. Inside a group it
  // must reach the closing parenthesis, which turns trailing text into a parse error.
  parseFhirPath(`(\n${expression}\n)`);
  const compiled = { expression, atom: bounded(parseFhirPath(expression)) };
  if (resourceType) evaluatePath(compiled, { resourceType } as Resource);
  return compiled;
}

/**
 * Evaluates a compiled path on a resource, with `%resource` and `%rootResource` bound to it, within
 * the time budget (`FHIRPATH_BUDGET_MS`; over it, a FhirPathBudgetError is thrown).
 */
export function evaluatePath(path: CompiledPath, resource: Resource): TypedValue[] {
  const typed = toTypedValue(resource);
  return withinBudget(() => evalFhirPathTyped(path.atom, [typed], { '%resource': typed, '%rootResource': typed }));
}

const CLOSING: Record<string, string> = { ')': '(', ']': '[', '}': '{' };

// The grouping trick above cannot see a stray closing bracket after a complete expression, so count them.
function assertBalanced(expression: string): void {
  const open: string[] = [];
  for (let i = 0; i < expression.length; i++) {
    const char = expression[i] ?? '';
    if (char === "'" || char === '`') {
      i = endOfQuoted(expression, i, char);
    } else if ('([{'.includes(char)) {
      open.push(char);
    } else if (char in CLOSING && open.pop() !== CLOSING[char]) {
      throw new Error(`unbalanced "${char}" at position ${i + 1}`);
    }
  }
  if (open.length) throw new Error(`"${open.at(-1)}" is never closed`);
}

function endOfQuoted(expression: string, start: number, quote: string): number {
  for (let i = start + 1; i < expression.length; i++) {
    if (expression[i] === '\\') i++;
    else if (expression[i] === quote) return i;
  }
  throw new Error(`${quote === "'" ? 'string' : 'quoted name'} starting at position ${start + 1} is never closed`);
}
