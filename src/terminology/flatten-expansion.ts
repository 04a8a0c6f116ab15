import type { ValueSetCode } from '../rules/read-value-set.js';

/** One entry of `ValueSet.expansion.contains`, as a server sends it (nothing trusted yet). */
export interface ExpansionEntry {
  system?: unknown;
  code?: unknown;
  abstract?: unknown;
  inactive?: unknown;
  contains?: ExpansionEntry[];
}

/**
 * The codes of an expansion, nested `contains` flattened. Why `abstract` and `inactive` entries are
 * left out: an abstract entry is a grouping header that cannot be recorded, and an inactive code
 * is kept by a server only so old records can be shown — neither may start an invitation. Entries
 * without a system and code (some servers send a display-only header) are skipped the same way.
 */
export function flattenExpansion(contains: readonly ExpansionEntry[] | undefined): ValueSetCode[] {
  const codes: ValueSetCode[] = [];
  const walk = (entries: readonly ExpansionEntry[]) => {
    for (const entry of entries) {
      const usable = entry.abstract !== true && entry.inactive !== true;
      if (usable && typeof entry.system === 'string' && typeof entry.code === 'string' && entry.code)
        codes.push({ system: entry.system, code: entry.code });
      if (Array.isArray(entry.contains)) walk(entry.contains);
    }
  };
  walk(contains ?? []);
  return codes;
}
