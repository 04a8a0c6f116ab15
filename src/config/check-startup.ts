import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { QUESTIONNAIRES_SUBDIR, QuestionnaireError } from '../pro/load-questionnaires.js';
import { prepareResults } from '../pro/prepare-results.js';
import type { QuestionnaireSet } from '../pro/questionnaire-set.js';
import { unknownElementNames } from '../rules/check-element-names.js';
import { formatMappingIssue, MappingError, type CompiledMappings, type MappingIssue } from '../rules/load-mappings.js';
import { loadResourceDefinitions } from '../shared/fhir-definitions.js';
import { loadLiveMappings, type LiveMappings } from '../terminology/load-live-mappings.js';
import { ConfigError, loadConfig, type Config } from './load-config.js';
import { readTerminology } from './read-terminology.js';

/** What a start needs, checked: the configuration, the compiled mapping files and the Questionnaires. */
export interface CheckedStart {
  config: Readonly<Config>;
  mappings: CompiledMappings;
  questionnaires: QuestionnaireSet;
  /** The mappings with their server-expanded value sets, for the refresh while the service runs. */
  live: LiveMappings;
}

/** The start-up check found problems: every one of them, config and mapping files alike. */
export class StartupError extends Error {
  constructor(readonly problems: string[]) {
    super(`cannot start:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'StartupError';
  }
}

/** Where the mapping files are when MAPPINGS_DIR does not say. */
const DEFAULT_MAPPINGS_DIR = 'mappings';

/**
 * The start-up check, the one the service runs and `sdm-bridge mappings check` runs: settings,
 * mapping files (schema, secrets, resource types, FHIRPath element names), Questionnaires and the
 * results mappings against them. Reports every problem at once; mapping problems as `file:line`.
 * Value sets named by canonical URL are expanded by the terminology server, else taken from the
 * cache; `useCache: false` (`mappings check`) asks the server only and writes nothing.
 */
export async function checkStartup(
  env: Readonly<Record<string, string | undefined>>,
  options: { useCache?: boolean } = {},
): Promise<CheckedStart> {
  const problems: string[] = [];
  let config: Readonly<Config> | undefined;
  try {
    config = loadConfig({ ...env });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems);
  }
  const dir = config?.mappingsDir ?? (env.MAPPINGS_DIR?.trim() || DEFAULT_MAPPINGS_DIR);
  // Without a usable config its problems are listed already; the server is still asked when it is named.
  const terminology = config ? config.terminology : readTerminology(env, []);
  const live = await collect(
    () => loadLiveMappings(dir, env, { ...(terminology ? { terminology } : {}), useCache: options.useCache ?? true }),
    dir,
    problems,
  );
  const mappings = live?.mappings;
  if (mappings) problems.push(...elementNameProblems(mappings).map((issue) => inDir(dir, issue)));
  const storeSet = config ? config.koppeltaal !== undefined : Boolean(env.KOPPELTAAL_BASE_URL?.trim());
  if (mappings && !storeSet) problems.push(...koppeltaalStoreProblems(mappings, dir));
  const questionnaires = mappings && (await readQuestionnaires(dir, mappings, problems));
  if (problems.length || !config || !live || !mappings || !questionnaires) throw new StartupError(problems);
  return { config, mappings, questionnaires, live };
}

/** An aid with `koppeltaal: true` writes a KT2Task to the Koppeltaal store: without one it cannot work. */
function koppeltaalStoreProblems(mappings: CompiledMappings, dir: string): string[] {
  return [...mappings.decisionAids.values()]
    .filter((aid) => aid.koppeltaal)
    .map((aid) => {
      const source = mappings.aidSources.get(aid.id);
      const where = source ? `${join(dir, source.file)}${source.line ? `:${source.line}` : ''}: ` : '';
      return (
        `${where}decision aid ${aid.id} has koppeltaal: true, but no Koppeltaal store is configured: ` +
        'set KOPPELTAAL_BASE_URL with its KOPPELTAAL_TOKEN_URL, KOPPELTAAL_CLIENT_ID, KOPPELTAAL_SCOPE, ' +
        'KOPPELTAAL_PRIVATE_KEY (or _FILE) and KOPPELTAAL_DEVICE_ID (docs/koppeltaal.md)'
      );
    });
}

async function readQuestionnaires(
  dir: string,
  mappings: CompiledMappings,
  problems: string[],
): Promise<QuestionnaireSet | undefined> {
  const folder = join(dir, QUESTIONNAIRES_SUBDIR);
  const withResults = [...mappings.decisionAids.values()].filter((aid) => aid.results).map((aid) => aid.id);
  if (withResults.length && !(await isDirectory(folder))) {
    problems.push(
      `${folder}: no such folder, but ${withResults.length === 1 ? 'decision aid' : 'decision aids'} ` +
        `${withResults.join(', ')} ${withResults.length === 1 ? 'posts' : 'post'} results; put the Questionnaires there as *.json`,
    );
    return undefined;
  }
  return collect(() => prepareResults(dir, mappings), dir, problems, mappings.aidSources);
}

/** Each trigger's condition and code paths against its resource type's definition. */
function elementNameProblems(mappings: CompiledMappings): MappingIssue[] {
  try {
    loadResourceDefinitions(mappings.resourceTypes);
  } catch {
    // A type without a published definition (SubscriptionStatus) is not checked; the others are loaded.
  }
  return mappings.triggers.flatMap((trigger) => {
    const paths = [
      ...(trigger.condition ? [['condition', trigger.condition] as const] : []),
      ...trigger.codes.map((filter, index) => [`codes[${index}].path`, filter.path] as const),
    ];
    return paths.flatMap(([field, path]) =>
      unknownElementNames(path.atom, trigger.resourceType).map((message) => ({
        file: trigger.file,
        line: trigger.line,
        field: `trigger ${trigger.id} ${field}`,
        message: `${message} (in ${path.expression})`,
      })),
    );
  });
}

async function collect<T>(
  load: () => Promise<T>,
  dir: string,
  problems: string[],
  aidSources?: CompiledMappings['aidSources'],
): Promise<T | undefined> {
  try {
    return await load();
  } catch (err) {
    if (err instanceof MappingError) problems.push(...err.errors.map((issue) => inDir(dir, issue, aidSources)));
    else if (err instanceof QuestionnaireError) problems.push(...err.errors);
    else throw err;
    return undefined;
  }
}

// Paths relative to the working directory, so terminals and CI logs turn them into links. The
// results checks name the aid (`decision aid astma-kind`): they point at the file and line declaring it.
function inDir(dir: string, issue: MappingIssue, aidSources?: CompiledMappings['aidSources']): string {
  const aid = issue.file.startsWith(AID_PREFIX) ? issue.file.slice(AID_PREFIX.length) : undefined;
  const source = aid === undefined ? undefined : aidSources?.get(aid);
  if (source)
    return formatMappingIssue({
      ...issue,
      ...source,
      file: join(dir, source.file),
      field: `decisionAids(${aid}).${issue.field}`,
    });
  return formatMappingIssue({
    ...issue,
    file: issue.file === dir || aid !== undefined ? issue.file : join(dir, issue.file),
  });
}

/** How src/pro/check-result-mappings.ts names the aid an issue is about. */
const AID_PREFIX = 'decision aid ';

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (found) => found.isDirectory(),
    () => false,
  );
}
