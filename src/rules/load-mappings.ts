import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { compileMappings, type CompiledMappings, type MappingSource } from './compile-mappings.js';
import type { RemoteExpansions } from './expand-value-sets.js';
import { MappingError, type MappingIssue } from './mapping-error.js';

export { compileMappings } from './compile-mappings.js';
export type { CompiledMappings, CompiledTrigger, MappingSource } from './compile-mappings.js';
export { MappingError, formatMappingIssue, type MappingIssue } from './mapping-error.js';
export type { RemoteExpansions } from './expand-value-sets.js';

/** Mapping files by extension; other files (README, questionnaires/ JSON) are left alone. */
const MAPPING_FILE = /\.ya?ml$/i;
/** Value sets the code filters may name (`valueSet: valuesets/asthma-conditions.json`): FHIR ValueSet JSON. */
const VALUE_SET_DIR = 'valuesets';
const VALUE_SET_FILE = /\.json$/i;

/** The texts of the mapping files and the value-set files, as read from the mappings directory. */
export interface MappingSources {
  files: MappingSource[];
  valueSets: MappingSource[];
}

/**
 * Reads every `*.yaml`/`*.yml` file directly in `dir` (not in subfolders), in name order, and
 * the ValueSet files in `dir/valuesets/`, and compiles them; `remote` holds the expansions a
 * terminology server gave (see src/terminology/). Throws one `MappingError` listing every
 * problem, including an empty or unreadable directory.
 */
export async function loadMappings(
  dir: string,
  env: Readonly<Record<string, string | undefined>>,
  remote?: RemoteExpansions,
): Promise<CompiledMappings> {
  const { files, valueSets } = await readMappingSources(dir);
  return compileMappings(files, env, valueSets, remote);
}

/** The only function in rules/ that touches the disk: the mapping and value-set files' texts, or one `MappingError`. */
export async function readMappingSources(dir: string): Promise<MappingSources> {
  const names = await mappingFileNames(dir);
  if (!names.length)
    throw new MappingError([{ file: dir, field: '', message: 'no mapping files (*.yaml, *.yml) in this directory' }]);
  const unreadable: MappingIssue[] = [];
  const read = async (list: string[]): Promise<MappingSource[]> => {
    const sources: MappingSource[] = [];
    for (const name of list) {
      try {
        sources.push({ name, text: await readFile(join(dir, name), 'utf8') });
      } catch (err) {
        unreadable.push({ file: name, field: '', message: `cannot read the file (${codeOf(err)})` });
      }
    }
    return sources;
  };
  const files = await read(names);
  const valueSets = await read(await valueSetFileNames(dir));
  if (unreadable.length) throw new MappingError(unreadable);
  return { files, valueSets };
}

/** `valuesets/<name>.json` under the mappings directory, in name order; none when the folder is absent. */
async function valueSetFileNames(dir: string): Promise<string[]> {
  try {
    const names = (await readdir(join(dir, VALUE_SET_DIR))).filter((name) => VALUE_SET_FILE.test(name)).sort();
    return names.map((name) => `${VALUE_SET_DIR}/${name}`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new MappingError([{ file: join(dir, VALUE_SET_DIR), field: '', message: `cannot read (${codeOf(err)})` }]);
  }
}

// Why stat and not Dirent.isFile(): a Kubernetes ConfigMap mounts each file as a symlink. A file
// that cannot be stat-ed is kept, so reading it reports the problem against its own name.
async function mappingFileNames(dir: string): Promise<string[]> {
  try {
    const candidates = (await readdir(dir)).filter((name) => MAPPING_FILE.test(name)).sort();
    const isFile = await Promise.all(
      candidates.map((name) =>
        stat(join(dir, name)).then(
          (found) => found.isFile(),
          () => true,
        ),
      ),
    );
    return candidates.filter((_name, index) => isFile[index]);
  } catch (err) {
    throw new MappingError([{ file: dir, field: '', message: `cannot read the mappings directory (${codeOf(err)})` }]);
  }
}

function codeOf(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? (err as Error).message;
}
