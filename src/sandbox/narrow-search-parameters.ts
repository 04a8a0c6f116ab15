import { globalSchema, isResourceType } from '@medplum/core';
import type { SearchParameter } from '@medplum/fhirtypes';

/** What a narrowing pass changed, and how to put the original expressions back (tests compare both). */
export interface NarrowingResult {
  /** Number of (resource type, search parameter) pairs that got a shorter expression. */
  narrowed: number;
  restore(): void;
}

/**
 * Gives each resource type its own copy of the shared search parameters (`code`, `patient`,
 * `subject`, `date`, ...), keeping only the union branches that start with that type.
 *
 * Why: the R4 definitions share one SearchParameter between ~20 resource types, its expression a
 * union such as `AllergyIntolerance.code | Condition.code | ... | Task.code`. @medplum/core's
 * in-memory matcher parses and evaluates the whole union for every resource it looks at, so a
 * `code=` search over 10k resources costs seconds. A branch that starts with another concrete
 * resource type yields nothing on this type, so dropping it cannot change a result. Branches
 * without such a prefix (`Resource.id`, `alias`) are always kept. The shared object is never
 * edited: the type's index gets a copy, so `restore()` can put the original back.
 */
export function narrowSearchParameters(): NarrowingResult {
  const originals: { params: Record<string, SearchParameter>; code: string; original: SearchParameter }[] = [];
  for (const [resourceType, schema] of Object.entries(globalSchema.types)) {
    const params = schema.searchParams;
    if (!params || !isConcreteResourceType(resourceType)) continue;
    for (const [code, param] of Object.entries(params)) {
      const narrowed = param.expression ? narrowExpression(resourceType, param.expression) : undefined;
      if (!narrowed) continue;
      originals.push({ params, code, original: param });
      params[code] = { ...param, expression: narrowed };
    }
  }
  return {
    narrowed: originals.length,
    restore: () => {
      for (const { params, code, original } of originals) params[code] = original;
    },
  };
}

/**
 * The expression with the branches of other resource types removed, or undefined when nothing
 * can be removed (not a union, or every branch may apply to this type).
 */
export function narrowExpression(resourceType: string, expression: string): string | undefined {
  const branches = splitTopLevelUnion(expression);
  if (branches.length < 2) return undefined;
  const kept = branches.filter((branch) => {
    const leading = leadingTypeName(branch);
    return leading === undefined || leading === resourceType || !isConcreteResourceType(leading);
  });
  if (kept.length === branches.length || kept.length === 0) return undefined;
  return kept.join(' | ');
}

/** Splits `a | (b | c) | d.where(x = 'p|q')` into its top-level branches, respecting brackets and quotes. */
export function splitTopLevelUnion(expression: string): string[] {
  const branches: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < expression.length; i++) {
    const ch = expression[i];
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '`') quote = ch;
    else if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') depth--;
    else if (ch === '|' && depth === 0) {
      branches.push(expression.slice(start, i).trim());
      start = i + 1;
    }
  }
  branches.push(expression.slice(start).trim());
  return branches;
}

/** `Condition` for `Condition.code` and `(Condition.onset as dateTime)`; undefined otherwise. */
function leadingTypeName(branch: string): string | undefined {
  return /^\(*\s*([A-Z][A-Za-z0-9]*)\./.exec(branch)?.[1];
}

function isConcreteResourceType(name: string): boolean {
  // False for `Resource` and `DomainResource`: their prefixes apply to every type, never "other".
  return isResourceType(name);
}
