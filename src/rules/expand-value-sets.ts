import type { CompiledCodeFilter, MappingSource } from './compile-mappings.js';
import type { MappingIssue } from './mapping-error.js';
import type { TriggerEntry } from './mapping-schema.js';
import type { FieldPath } from './parse-mapping-file.js';
import { readValueSet, type LocalValueSet } from './read-value-set.js';

/**
 * Value sets by file name, by canonical URL, and (from a terminology server) by the name the mapping
 * writes; `null` for one that has problems of its own (reported already), so it is not reported twice.
 */
export type ValueSetLookup = ReadonlyMap<string, LocalValueSet | null>;

/** Expansions from a terminology server, by the name as written (`url` or `url|version`); `null`: reported already. */
export type RemoteExpansions = ReadonlyMap<string, LocalValueSet | null>;

/** Reads the value-set files; a file with problems is `null` in the lookup and its problems go to `issues`. */
export function readValueSets(
  files: readonly MappingSource[],
  issues: MappingIssue[],
): Map<string, LocalValueSet | null> {
  const lookup = new Map<string, LocalValueSet | null>();
  for (const file of files) {
    const valueSet = readValueSet(file.name, file.text, issues);
    if (!valueSet) {
      lookup.set(file.name, null);
      continue;
    }
    lookup.set(file.name, valueSet);
    if (valueSet.url) lookup.set(valueSet.url, valueSet);
  }
  return lookup;
}

/** A local file by name or url (with or without `|version`), else a server's expansion; `undefined`: unknown. */
export function findValueSet(
  name: string,
  local: ValueSetLookup,
  remote: RemoteExpansions,
): LocalValueSet | null | undefined {
  const found = local.get(name) ?? local.get(name.split('|')[0]!);
  if (found !== undefined) return found;
  return remote.get(name);
}

/** A canonical URL (`http(s)://…`, `urn:…`), as opposed to a file name under valuesets/. */
export function isCanonicalUrl(name: string): boolean {
  return /^(https?:\/\/|urn:)/i.test(name);
}

type Report = (path: FieldPath, message: string) => void;

/** The trigger's code filters with each `valueSet` replaced by one filter per code; `undefined` when one is unknown. */
export function expandValueSets(
  codes: TriggerEntry['codes'],
  local: ValueSetLookup,
  remote: RemoteExpansions,
  report: Report,
): CompiledCodeFilter[] | undefined {
  let known = true;
  const expanded = codes.flatMap((filter, index): CompiledCodeFilter[] => {
    if (filter.valueSet === undefined) {
      const { valueSet: _none, system, ...rest } = filter;
      return [{ ...rest, system: system! }]; // the schema requires system when there is no valueSet
    }
    const name = filter.valueSet;
    const valueSet = findValueSet(name, local, remote);
    if (valueSet === null) {
      known = false; // its own problems say why
      return [];
    }
    if (!valueSet) {
      report([index, 'valueSet'], unknownMessage(name, local));
      known = false;
      return [];
    }
    return valueSet.codes.map((code) => ({ path: filter.path, ...code, valueSet: name }));
  });
  return known ? expanded : undefined;
}

function unknownMessage(name: string, local: ValueSetLookup): string {
  if (isCanonicalUrl(name))
    return `no file under valuesets/ has url "${name}", and no terminology server expanded it (set TERMINOLOGY_SERVER_URL)`;
  const files = [...local.keys()].filter((key) => key.endsWith('.json')).join(', ') || 'none';
  return `no value set "${name}" under the mappings directory (valuesets/*.json, by file name or url; found: ${files})`;
}
