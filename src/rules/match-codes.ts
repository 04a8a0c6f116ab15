import type { TypedValue } from '@medplum/core';
import type { Coding, Resource } from '@medplum/fhirtypes';
import { evaluatePath } from './compile-fhir-path.js';
import type { CompiledCodeFilter } from './compile-mappings.js';

/** Short names of the code systems hospital IT reads in skip reasons. */
const SYSTEM_LABELS: Readonly<Record<string, string>> = {
  'http://www.whocc.no/atc': 'ATC',
  'http://snomed.info/sct': 'SNOMED',
  'urn:oid:2.16.840.1.113883.2.4.4.10': 'PRK',
  'urn:oid:2.16.840.1.113883.2.4.4.7': 'HPK',
  'urn:oid:2.16.840.1.113883.2.4.4.1': 'GPK',
  'http://loinc.org': 'LOINC',
};

/**
 * Checks the code filters of a trigger: passes (returns `undefined`) when any filter finds a
 * Coding in its system with its code or prefix; otherwise returns the reason in plain words.
 */
export function matchCodes(filters: readonly CompiledCodeFilter[], resource: Resource): string | undefined {
  const seen: string[] = [];
  const byPath = new Map<string, Coding[]>(); // filters often share a path: evaluate it once
  for (const filter of filters) {
    const { expression } = filter.path;
    const all = byPath.get(expression) ?? codingsOf(evaluatePath(filter.path, resource));
    byPath.set(expression, all);
    const codings = all.filter((coding) => coding.system === filter.system);
    if (codings.some((coding) => matches(filter, coding.code))) return undefined;
    seen.push(...codings.map((coding) => `${label(filter.system)} code ${coding.code ?? '(none)'}`));
  }
  const wanted = filters.map((filter) => (filter.code ? `${label(filter.system)} code ${filter.code}` : `${label(filter.system)} prefix ${filter.prefix}`));
  if (!seen.length) {
    const paths = [...new Set(filters.map((filter) => filter.path.expression))].join(' / ');
    return `no code of the wanted system at ${paths} (wanted ${wanted.join(' or ')})`;
  }
  return `${[...new Set(seen)].join(', ')} does not match ${wanted.join(' or ')}`;
}

function matches(filter: CompiledCodeFilter, code: string | undefined): boolean {
  if (code === undefined) return false;
  return filter.code !== undefined ? code === filter.code : code.startsWith(filter.prefix ?? '');
}

// A path may end at CodeableConcepts or at Codings; both are accepted.
function codingsOf(values: readonly TypedValue[]): Coding[] {
  return values.flatMap(({ value }) => {
    if (value === null || typeof value !== 'object') return [];
    const candidate = value as { coding?: Coding[]; system?: string; code?: string };
    if (Array.isArray(candidate.coding)) return candidate.coding;
    return candidate.system !== undefined || candidate.code !== undefined ? [candidate as Coding] : [];
  });
}

function label(system: string): string {
  return SYSTEM_LABELS[system] ?? system;
}
