import type { TypedValue } from '@medplum/core';
import type { Coding, Resource } from '@medplum/fhirtypes';
import { evaluatePath, type CompiledPath } from './compile-fhir-path.js';
import type { CompiledCodeFilter } from './compile-mappings.js';

/** Short names of the code systems hospital IT reads in skip reasons. */
const SYSTEM_LABELS: Readonly<Record<string, string>> = {
  'http://www.whocc.no/atc': 'ATC',
  'http://snomed.info/sct': 'SNOMED',
  'urn:oid:2.16.840.1.113883.2.4.4.10': 'PRK',
  'urn:oid:2.16.840.1.113883.2.4.4.7': 'HPK',
  'urn:oid:2.16.840.1.113883.2.4.4.1': 'GPK',
  'urn:oid:2.16.840.1.113883.2.4.4.8': 'ZI',
  'http://loinc.org': 'LOINC',
};

/**
 * Checks the code filters of a trigger: passes (returns `undefined`) when any filter finds a
 * Coding in its system with its code or prefix; otherwise returns the reason in plain words.
 */
export function matchCodes(
  filters: readonly CompiledCodeFilter[],
  resource: Resource,
  evaluate: (path: CompiledPath) => TypedValue[] = (path) => evaluatePath(path, resource), // one event's memo, from evaluateRules
): string | undefined {
  const seen: string[] = [];
  const byPath = new Map<string, Coding[]>(); // filters often share a path: evaluate it once
  for (const filter of filters) {
    const { expression } = filter.path;
    const all = byPath.get(expression) ?? codingsOf(evaluate(filter.path));
    byPath.set(expression, all);
    const codings = all.filter((coding) => coding.system === filter.system);
    if (codings.some((coding) => matches(filter, coding.code))) return undefined;
    seen.push(...codings.map((coding) => describeCoding(filter.system, coding.code)));
  }
  return codeMismatchReason(describeWanted(filters), [...new Set(seen)].join(', '));
}

/** The half of a code skip reason that does not depend on the event: what the filters want, and where they look. */
export interface WantedCodes {
  wanted: string;
  paths: string;
}

/** What a trigger's code filters want, in the words of a skip reason (worked out once per trigger by the code index). */
export function describeWanted(filters: readonly CompiledCodeFilter[]): WantedCodes {
  const wanted = filters.map((filter) => {
    if (filter.valueSet) return `a code of value set ${filter.valueSet}`;
    return filter.code
      ? `${label(filter.system)} code ${filter.code}`
      : `${label(filter.system)} prefix ${filter.prefix}`;
  });
  return {
    wanted: [...new Set(wanted)].join(' or '),
    paths: [...new Set(filters.map((filter) => filter.path.label ?? filter.path.expression))].join(' / '),
  };
}

/** A Coding found on the resource, as a skip reason names it. */
export function describeCoding(system: string, code: string | undefined): string {
  return `${label(system)} code ${code ?? '(none)'}`;
}

/** The reason no filter matched, from what the filters want and the codes seen in their systems (deduplicated, joined). */
export function codeMismatchReason(wanted: WantedCodes, seen: string): string {
  if (!seen) return `no code of the wanted system at ${wanted.paths} (wanted ${wanted.wanted})`;
  return `${seen} does not match ${wanted.wanted}`;
}

function matches(filter: CompiledCodeFilter, code: string | undefined): boolean {
  if (code === undefined) return false;
  return filter.code !== undefined ? code === filter.code : code.startsWith(filter.prefix ?? '');
}

/**
 * The same code system under its OID, as HL7v3-era Dutch systems still send it: compared under the
 * URI the mapping files use, so `urn:oid:2.16.840.1.113883.6.73` matches a filter on ATC.
 */
const SYSTEM_ALIASES: Readonly<Record<string, string>> = {
  'urn:oid:2.16.840.1.113883.6.73': 'http://www.whocc.no/atc',
  'urn:oid:2.16.840.1.113883.6.96': 'http://snomed.info/sct',
  'urn:oid:2.16.840.1.113883.6.1': 'http://loinc.org',
};

/** The Codings a path found: a path may end at CodeableConcepts or at Codings; both are accepted. */
export function codingsOf(values: readonly TypedValue[]): Coding[] {
  return values.flatMap(({ value }) => {
    if (value === null || typeof value !== 'object') return [];
    const candidate = value as { coding?: Coding[]; system?: string; code?: string };
    if (Array.isArray(candidate.coding)) return candidate.coding.map(withCanonicalSystem);
    return candidate.system !== undefined || candidate.code !== undefined
      ? [withCanonicalSystem(candidate as Coding)]
      : [];
  });
}

function withCanonicalSystem(coding: Coding): Coding {
  const alias = coding.system === undefined ? undefined : SYSTEM_ALIASES[coding.system];
  return alias ? { ...coding, system: alias } : coding;
}

function label(system: string): string {
  return SYSTEM_LABELS[system] ?? system;
}
