import { compileMappings, type CompiledMappings } from '../rules/compile-mappings.js';
import type { RemoteExpansions } from '../rules/expand-value-sets.js';
import { MappingError, readMappingSources, type MappingIssue } from '../rules/load-mappings.js';
import type { LocalValueSet } from '../rules/read-value-set.js';
import { remoteValueSetUses } from '../rules/remote-value-sets.js';
import { createFileExpansionCache } from './expansion-cache.js';
import { resolveValueSets, type ResolvedValueSet } from './resolve-value-sets.js';
import { createTerminologyClient } from './terminology-client.js';
import type { TerminologySettings } from './terminology-settings.js';

type Env = Readonly<Record<string, string | undefined>>;

/** Compiled mapping files plus what a refresh of their server-expanded value sets needs. */
export interface LiveMappings {
  mappings: CompiledMappings;
  /** The value sets expanded by the terminology server (none when every value set is a local file). */
  valueSets: ResolvedValueSet[];
  /** Their codes as compiled now, by the name the mapping files write. */
  expansions: ReadonlyMap<string, LocalValueSet>;
  /** The same mapping files compiled again with other expansions: what a refresh swaps in. */
  recompile(expansions: RemoteExpansions): CompiledMappings;
}

/**
 * Reads the mapping files, expands the value sets they name by canonical URL (terminology server,
 * else the last good expansion in the cache) and compiles them: the I/O before the pure compile.
 * `useCache: false` asks the server only (`mappings check` proves the server answers) and writes
 * nothing. Throws one `MappingError` with every problem, value sets included.
 */
export async function loadLiveMappings(
  dir: string,
  env: Env,
  options: { terminology?: TerminologySettings; useCache?: boolean; now?: () => Date } = {},
): Promise<LiveMappings> {
  const { files, valueSets } = await readMappingSources(dir);
  const uses = remoteValueSetUses(files, env, valueSets);
  const { terminology } = options;
  const client = uses.length && terminology ? createTerminologyClient(terminology) : undefined;
  const cache = terminology && options.useCache !== false ? createFileExpansionCache(terminology.cacheDir) : undefined;
  const resolution = await resolveValueSets(uses, { client, cache, now: options.now ?? (() => new Date()) }).finally(
    () => client?.close(),
  );
  const recompile = (expansions: RemoteExpansions) => compileMappings(files, env, valueSets, expansions);
  let mappings: CompiledMappings | undefined;
  let issues: MappingIssue[] = resolution.issues;
  try {
    mappings = recompile(resolution.expansions);
  } catch (err) {
    if (!(err instanceof MappingError)) throw err;
    issues = [...issues, ...err.errors];
  }
  if (issues.length || !mappings) throw new MappingError(sortIssues(issues));
  const expansions = new Map([...resolution.expansions].flatMap(([name, set]) => (set ? [[name, set] as const] : [])));
  return { mappings, valueSets: resolution.resolved, expansions, recompile };
}

function sortIssues(issues: MappingIssue[]): MappingIssue[] {
  return [...issues].sort((a, b) => a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0));
}
