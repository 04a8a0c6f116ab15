import { readTerminology } from '../config/read-terminology.js';
import { MappingError, type CompiledMappings } from '../rules/load-mappings.js';
import { loadLiveMappings } from '../terminology/load-live-mappings.js';

/** A stand-in for a secret a dry run never uses: long enough for every length check. */
const PLACEHOLDER_SECRET = 'dry-run-placeholder-'.padEnd(64, 'x');
/** The two ways a mapping file complains about a secret (see rules/compile-mappings.ts). */
const SECRET_PROBLEMS = [
  /^environment variable ([A-Za-z_][A-Za-z0-9_]*) is not set \(it holds a secret/,
  /^([A-Za-z_][A-Za-z0-9_]*) is shorter than \d+ characters/,
];

/**
 * Loads the mapping files for a dry run. Why the second attempt: the secrets of decision-aid
 * platforms (tokens, link keys) live in the service's environment, not on the machine where IT runs
 * a dry run, and a dry run sends nothing. When secrets are the only problem, they are filled with
 * placeholders and their names returned; any other problem is thrown as the service would. Value
 * sets named by canonical URL are expanded as the service does (TERMINOLOGY_SERVER_URL, its cache).
 */
export async function loadMappingsForDryRun(
  dir: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<{ mappings: CompiledMappings; placeholders: string[] }> {
  const terminology = readTerminology(env, []);
  const loadMappings = async (withEnv: typeof env) =>
    (await loadLiveMappings(dir, withEnv, terminology ? { terminology } : {})).mappings;
  try {
    return { mappings: await loadMappings(env), placeholders: [] };
  } catch (err) {
    if (!(err instanceof MappingError)) throw err;
    const names = err.errors.map((issue) => secretName(issue.message));
    if (names.some((name) => name === undefined)) throw err;
    const placeholders = [...new Set(names as string[])].sort();
    const filled = { ...env, ...Object.fromEntries(placeholders.map((name) => [name, PLACEHOLDER_SECRET])) };
    return { mappings: await loadMappings(filled), placeholders };
  }
}

function secretName(message: string): string | undefined {
  for (const pattern of SECRET_PROBLEMS) {
    const match = pattern.exec(message);
    if (match) return match[1];
  }
  return undefined;
}
