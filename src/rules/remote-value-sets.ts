import type { MappingSource } from './compile-mappings.js';
import { findValueSet, isCanonicalUrl, readValueSets } from './expand-value-sets.js';
import type { MappingIssue } from './mapping-error.js';
import { parseMappingFile } from './parse-mapping-file.js';

/** A canonical URL a trigger names that no local file provides, and where it is written. */
export interface RemoteValueSetUse {
  /** As written: `url` or `url|version`. */
  name: string;
  file: string;
  line?: number;
  field: string;
}

/**
 * The value sets the mapping files name by canonical URL that no file under valuesets/ provides:
 * these need a terminology server. Problems of the files themselves are left to the compile step,
 * which reports them with their lines; here they are only skipped.
 */
export function remoteValueSetUses(
  files: readonly MappingSource[],
  env: Readonly<Record<string, string | undefined>>,
  valueSetFiles: readonly MappingSource[] = [],
): RemoteValueSetUse[] {
  const ignored: MappingIssue[] = [];
  const local = readValueSets(valueSetFiles, ignored);
  const uses: RemoteValueSetUse[] = [];
  for (const file of files) {
    const parsed = parseMappingFile(file.name, file.text, env, ignored);
    for (const { index, entry } of parsed?.triggers ?? []) {
      entry.codes.forEach((filter, j) => {
        const name = filter.valueSet;
        if (name === undefined || !isCanonicalUrl(name) || findValueSet(name, local, new Map()) !== undefined) return;
        const path = ['triggers', index, 'codes', j, 'valueSet'];
        const { line, field } = parsed!.issue(path, '');
        uses.push({ name, file: file.name, ...(line === undefined ? {} : { line }), field });
      });
    }
  }
  return uses;
}
