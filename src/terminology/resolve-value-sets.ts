import type { MappingIssue } from '../rules/mapping-error.js';
import type { LocalValueSet, ValueSetCode } from '../rules/read-value-set.js';
import type { RemoteValueSetUse } from '../rules/remote-value-sets.js';
import type { ExpansionCache } from './expansion-cache.js';
import { splitCanonical, TerminologyError, type TerminologyClient } from './terminology-client.js';

/** How one value set named by canonical URL was obtained at start. */
export interface ResolvedValueSet {
  name: string;
  codes: number;
  from: 'server' | 'cache';
  /** When the server gave this expansion. */
  fetchedAt: string;
  /** Why the server's answer was not used (from the cache) or not kept (cache write failed). */
  problem?: string;
}

/** The expansions for the compile step (`null`: reported in `issues`), how each was obtained, and the problems. */
export interface ValueSetResolution {
  expansions: Map<string, LocalValueSet | null>;
  resolved: ResolvedValueSet[];
  issues: MappingIssue[];
}

/**
 * Expands every value set the mapping files name by canonical URL: from the terminology server,
 * keeping the answer in the cache; when the server fails, the last good expansion from the cache.
 * Without either, each place that names the value set is a problem, so the service never starts
 * with a trigger that silently matches nothing. Without a server at all, the problem says which
 * setting to give.
 */
export async function resolveValueSets(
  uses: readonly RemoteValueSetUse[],
  deps: { client?: TerminologyClient; cache?: ExpansionCache; now: () => Date },
): Promise<ValueSetResolution> {
  const names = [...new Set(uses.map((use) => use.name))];
  const outcomes = await Promise.all(names.map((name) => resolveOne(name, deps)));
  const resolution: ValueSetResolution = { expansions: new Map(), resolved: [], issues: [] };
  names.forEach((name, index) => {
    const outcome = outcomes[index]!;
    if ('failure' in outcome) {
      resolution.expansions.set(name, null);
      for (const use of uses.filter((u) => u.name === name))
        resolution.issues.push({ file: use.file, line: use.line, field: use.field, message: outcome.failure });
      return;
    }
    resolution.expansions.set(name, asValueSet(name, outcome.codes));
    resolution.resolved.push(outcome.resolved);
  });
  return resolution;
}

/** A server's expansion in the shape local value-set files have. */
export function asValueSet(name: string, codes: ValueSetCode[]): LocalValueSet {
  return { name, url: splitCanonical(name)[0], codes };
}

type Outcome = { codes: ValueSetCode[]; resolved: ResolvedValueSet } | { failure: string };

async function resolveOne(
  name: string,
  deps: { client?: TerminologyClient; cache?: ExpansionCache; now: () => Date },
): Promise<Outcome> {
  if (!deps.client)
    return {
      failure:
        `value set ${name} is not a file under valuesets/: set TERMINOLOGY_SERVER_URL to expand it through a ` +
        'terminology server, or add a ValueSet file with this url',
    };
  let serverProblem: string;
  try {
    const codes = await expandUsable(deps.client, name);
    const fetchedAt = deps.now().toISOString();
    const problem = await deps.cache?.write(name, { codes, fetchedAt }).then(
      () => undefined,
      (err: unknown) =>
        `the expansion could not be kept in TERMINOLOGY_CACHE_DIR (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
    return {
      codes,
      resolved: { name, codes: codes.length, from: 'server', fetchedAt, ...(problem ? { problem } : {}) },
    };
  } catch (err) {
    if (!(err instanceof TerminologyError)) throw err;
    serverProblem = err.message;
  }
  if (!deps.cache) return { failure: `${serverProblem}: without it the trigger would match nothing` };
  const cached = await deps.cache.read(name);
  if (!cached)
    return {
      failure: `${serverProblem}, and no earlier expansion is cached (TERMINOLOGY_CACHE_DIR): the trigger would match nothing`,
    };
  return {
    codes: cached.codes,
    resolved: { name, codes: cached.codes.length, from: 'cache', fetchedAt: cached.fetchedAt, problem: serverProblem },
  };
}

/** The server's codes; an expansion without any is refused like an error: a value set matching nothing is a fault. */
export async function expandUsable(client: TerminologyClient, name: string): Promise<ValueSetCode[]> {
  const codes = await client.expand(name);
  if (!codes.length) throw new TerminologyError(`value set ${name}: the terminology server's expansion holds no codes`);
  return codes;
}
