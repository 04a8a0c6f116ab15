import { LiteralAtom, toTypedValue, type AtomContext, type FhirPathAtom, type TypedValue } from '@medplum/core';
import { RE2JS } from 're2js';

/**
 * Time one FHIRPath evaluation may take. A rule looks at one resource; even a long code list
 * evaluates in well under a millisecond, so 100 ms means something is wrong with the rule or the
 * input, and the event loop (health checks, BullMQ locks) must not wait for it.
 */
export const FHIRPATH_BUDGET_MS = 100;

/** FHIRPath functions that take a regular expression; they run on RE2 (linear time) here. */
const REGEX_FUNCTIONS = new Set(['matches', 'matchesFull', 'replaceMatches']);

/** Thrown when an evaluation runs over its budget; the rule is skipped with this as the reason. */
export class FhirPathBudgetError extends Error {
  constructor(budgetMs: number) {
    super(`FHIRPath ran over its time budget of ${budgetMs} ms`);
    this.name = 'FhirPathBudgetError';
  }
}

// The deadline of the evaluation now running. Evaluation is synchronous, so one at a time runs.
let deadline = Number.POSITIVE_INFINITY;
let budget = FHIRPATH_BUDGET_MS;

/** Runs `work` (a synchronous evaluation) under the budget: every function call checks the deadline. */
export function withinBudget<T>(work: () => T, budgetMs = FHIRPATH_BUDGET_MS): T {
  const [outerDeadline, outerBudget] = [deadline, budget];
  const own = performance.now() + budgetMs;
  if (own < outerDeadline) [deadline, budget] = [own, budgetMs];
  try {
    return work();
  } catch (err) {
    // The FHIRPath library wraps what a function throws in its own error; the budget's stays recognisable.
    if (err instanceof FhirPathBudgetError || /FhirPathBudgetError/.test((err as Error)?.message ?? ''))
      throw new FhirPathBudgetError(budget);
    throw err;
  } finally {
    [deadline, budget] = [outerDeadline, outerBudget];
  }
}

interface AtomLike {
  eval(context: AtomContext, input: TypedValue[]): TypedValue[];
  toString(): string;
}

interface FunctionLike extends AtomLike {
  name: string;
  args: AtomLike[];
}

/**
 * The parsed expression with every function call made to respect the budget and every regex
 * function run on RE2. Why RE2: JavaScript's backtracking engine took 38 s on `^(a+)+$` against one
 * crafted note; RE2 matches in linear time and refuses what it cannot do that way (backreferences,
 * lookaround), so such a pattern is a load error, not a hang. The pattern must be a literal: a
 * pattern computed from the resource could not be checked at load.
 */
export function bounded(atom: FhirPathAtom): FhirPathAtom {
  return rewrite(atom as unknown as AtomLike) as unknown as FhirPathAtom;
}

function rewrite(atom: AtomLike): AtomLike {
  for (const [key, child] of Object.entries(atom)) {
    if (isAtom(child)) (atom as unknown as Record<string, unknown>)[key] = rewrite(child);
    else if (Array.isArray(child))
      (atom as unknown as Record<string, unknown>)[key] = child.map((c: unknown) => (isAtom(c) ? rewrite(c) : c));
  }
  if (!isFunction(atom)) return atom;
  const inner = REGEX_FUNCTIONS.has(atom.name) ? linearRegexCall(atom) : atom;
  return {
    eval(context, input) {
      if (performance.now() > deadline) throw new FhirPathBudgetError(budget);
      return inner.eval(context, input);
    },
    toString: () => atom.toString(),
  };
}

function linearRegexCall(call: FunctionLike): AtomLike {
  const [patternAtom, replacementAtom] = call.args;
  const pattern = literalString(patternAtom);
  if (pattern === undefined) throw new Error(`${call.name}(): the regular expression must be a literal string`);
  let regex: RE2JS;
  try {
    regex = RE2JS.compile(call.name === 'matchesFull' ? `^(?:${pattern})$` : pattern);
  } catch (err) {
    throw new Error(
      `${call.name}('${pattern}'): not a linear-time regular expression (${(err as Error).message}); backreferences and lookaround are not allowed`,
      { cause: err },
    );
  }
  return {
    eval(context, input) {
      if (input.length === 0) return [];
      if (input.length > 1) throw new Error(`${call.name}(): expected one value, got ${input.length}`);
      const value = input[0]?.value;
      if (typeof value !== 'string') return [];
      if (call.name !== 'replaceMatches') return [toTypedValue(regex.matcher(value).find())];
      const replacement = replacementAtom?.eval(context, input)[0]?.value;
      return typeof replacement === 'string' ? [toTypedValue(regex.matcher(value).replaceAll(replacement))] : [];
    },
    toString: () => call.toString(),
  };
}

function literalString(atom: AtomLike | undefined): string | undefined {
  return atom instanceof LiteralAtom && typeof atom.value.value === 'string' ? atom.value.value : undefined;
}

function isAtom(value: unknown): value is AtomLike {
  return !!value && typeof value === 'object' && typeof (value as AtomLike).eval === 'function';
}

function isFunction(atom: AtomLike): atom is FunctionLike {
  return typeof (atom as FunctionLike).name === 'string' && Array.isArray((atom as FunctionLike).args);
}
