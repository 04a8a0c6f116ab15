import { LineCounter, parseDocument } from 'yaml';
import type { MappingIssue } from './mapping-error.js';
import { lineOf, formatField, type FieldPath } from './parse-mapping-file.js';

/** ATC: its hierarchy is its code, so "is-a R03" is every code starting with R03. */
const ATC_SYSTEM = 'http://www.whocc.no/atc';
/** The filter operators that mean "this code and everything below it". */
const HIERARCHY_OPS = new Set(['is-a', 'descendent-of']);

/** One code of a value set, or (ATC `is-a`) a prefix. */
export interface ValueSetCode {
  system: string;
  code?: string;
  prefix?: string;
}

/** A value-set file read from the mappings directory: the codes it holds, by its file name and canonical URL. */
export interface LocalValueSet {
  /** The file name relative to the mappings directory, e.g. `valuesets/asthma-conditions.json`. */
  name: string;
  url?: string;
  codes: ValueSetCode[];
}

interface ValueSetJson {
  resourceType?: unknown;
  url?: unknown;
  compose?: { include?: IncludeJson[]; exclude?: unknown };
  expansion?: { contains?: ContainsJson[] };
}
interface IncludeJson {
  system?: unknown;
  concept?: { code?: unknown }[];
  filter?: { property?: unknown; op?: unknown; value?: unknown }[];
  valueSet?: unknown;
}
interface ContainsJson {
  system?: unknown;
  code?: unknown;
  contains?: ContainsJson[];
}

/**
 * Reads a FHIR ValueSet file (JSON) into the codes a code filter matches: the `expansion` when it
 * has one, else `compose.include` with explicit concepts, or an ATC `is-a` filter (a prefix).
 * What cannot be expanded without a terminology server (a SNOMED `is-a`, an include of another
 * value set, an exclude) is a problem at its line, so a value set never silently matches less.
 */
export function readValueSet(name: string, text: string, issues: MappingIssue[]): LocalValueSet | undefined {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter });
  const report = (path: FieldPath, message: string) =>
    issues.push({ file: name, line: lineOf(doc, counter, path), field: formatField(path), message });
  if (doc.errors.length) {
    for (const error of doc.errors)
      issues.push({ file: name, line: error.linePos?.[0].line, field: '', message: 'not valid JSON' });
    return undefined;
  }
  const json = doc.toJS() as ValueSetJson | null;
  if (json?.resourceType !== 'ValueSet') {
    report(['resourceType'], 'must be "ValueSet"');
    return undefined;
  }
  const before = issues.length;
  const codes = json.expansion?.contains
    ? fromExpansion(json.expansion.contains, ['expansion', 'contains'], report)
    : fromCompose(json, report);
  if (issues.length > before) return undefined;
  if (!codes.length) {
    report(json.expansion ? ['expansion'] : ['compose'], 'the value set holds no codes');
    return undefined;
  }
  return { name, ...(typeof json.url === 'string' ? { url: json.url } : {}), codes };
}

type Report = (path: FieldPath, message: string) => void;

function fromCompose(json: ValueSetJson, report: Report): ValueSetCode[] {
  if (json.compose?.exclude !== undefined)
    report(
      ['compose', 'exclude'],
      'exclude is not supported here: leave the codes out of include, or give an expansion',
    );
  const includes = json.compose?.include;
  if (!Array.isArray(includes) || !includes.length) {
    report(['compose'], 'give compose.include (explicit concepts) or an expansion');
    return [];
  }
  return includes.flatMap((include, i) => fromInclude(include, ['compose', 'include', i], report));
}

function fromInclude(include: IncludeJson, at: FieldPath, report: Report): ValueSetCode[] {
  if (include.valueSet !== undefined) {
    report([...at, 'valueSet'], 'including another value set needs a terminology server: give its expansion instead');
    return [];
  }
  const system = include.system;
  if (typeof system !== 'string' || !/^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(system)) {
    report([...at, 'system'], 'must be an absolute code system URI');
    return [];
  }
  const codes: ValueSetCode[] = [];
  (include.concept ?? []).forEach((concept, j) => {
    if (typeof concept?.code === 'string' && concept.code.trim()) codes.push({ system, code: concept.code });
    else report([...at, 'concept', j, 'code'], 'is required');
  });
  (include.filter ?? []).forEach((filter, j) => {
    const value = filter?.value;
    if (system === ATC_SYSTEM && HIERARCHY_OPS.has(String(filter?.op)) && typeof value === 'string' && value)
      codes.push({ system, prefix: value.toUpperCase() });
    else
      report(
        [...at, 'filter', j],
        `filter ${String(filter?.op)} on ${system} cannot be expanded without a terminology server: list the codes in concept, or give an expansion`,
      );
  });
  if (!include.concept && !include.filter)
    report(at, 'an include without concept or filter means the whole code system: list the codes');
  return codes;
}

function fromExpansion(contains: ContainsJson[], at: FieldPath, report: Report): ValueSetCode[] {
  return contains.flatMap((entry, i) => {
    const nested = Array.isArray(entry.contains) ? fromExpansion(entry.contains, [...at, i, 'contains'], report) : [];
    if (entry.code === undefined && nested.length) return nested; // an abstract grouping entry
    if (typeof entry.system !== 'string' || typeof entry.code !== 'string') {
      report([...at, i], 'needs system and code');
      return nested;
    }
    return [{ system: entry.system, code: entry.code }, ...nested];
  });
}
