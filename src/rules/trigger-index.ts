import type { Coding } from '@medplum/fhirtypes';
import type { CompiledPath } from './compile-fhir-path.js';
import type { CompiledTrigger } from './compile-mappings.js';
import type { PathEvaluator } from './event-memo.js';
import { codeMismatchReason, codingsOf, describeCoding, describeWanted, type WantedCodes } from './match-codes.js';
import type { RuleFacts, SkippedTrigger } from './types.js';

/**
 * A trigger of the event's type to be checked in full, or the skip entry of one the code index
 * ruled out (its reason worded as `matchCodes` words it).
 */
export type SelectedTrigger = CompiledTrigger | SkippedTrigger;

/** A trigger with what its skip reason needs worked out at load. */
interface IndexedTrigger {
  trigger: CompiledTrigger;
  wanted: WantedCodes;
  /** The trigger's code filters as one string: triggers written from one template have the same key, so the same reason. */
  filterKey: string;
  /** `path␀system` of each filter: triggers with the same list see the same codes. */
  seenKey: string;
}

/** The triggers of one resource type, with their code filters looked up by path, system and code. */
interface TypeIndex {
  triggers: readonly IndexedTrigger[];
  /** Distinct paths the code filters of this type read, each evaluated once per event. */
  paths: readonly CompiledPath[];
  /** `path␀system␀code` → triggers with that exact code filter. */
  exact: ReadonlyMap<string, readonly CompiledTrigger[]>;
  /** `path␀system␀prefix` → triggers with that prefix filter. */
  prefixes: ReadonlyMap<string, readonly CompiledTrigger[]>;
  /** `path␀system` → lengths of the prefixes written for it, so a code is cut only at those lengths. */
  prefixLengths: ReadonlyMap<string, readonly number[]>;
}

/** A TypeIndex while it is being built. */
interface TypeIndexBuilder {
  triggers: IndexedTrigger[];
  paths: CompiledPath[];
  exact: Map<string, CompiledTrigger[]>;
  prefixes: Map<string, CompiledTrigger[]>;
  prefixLengths: Map<string, number[]>;
}

/** Triggers by resource type and by code: built once at start (see `compileMappings`). */
export type TriggerIndex = ReadonlyMap<string, TypeIndex>;

/** Separates the parts of an index key; it cannot occur in a FHIRPath, a system URI or a code. */
const SEP = '\u0000';

/**
 * Indexes triggers by resource type and, for those with code filters, by (path, system, code) and
 * (path, system, prefix). Why: with hundreds of triggers most are for other codes; an event's codes
 * then find the few that can match, instead of every trigger evaluating its FHIRPath on the event.
 */
export function indexTriggers(triggers: readonly CompiledTrigger[]): TriggerIndex {
  const index = new Map<string, TypeIndexBuilder>();
  for (const trigger of triggers) {
    let entry = index.get(trigger.resourceType);
    if (!entry) {
      entry = { triggers: [], paths: [], exact: new Map(), prefixes: new Map(), prefixLengths: new Map() };
      index.set(trigger.resourceType, entry);
    }
    const filterKey = trigger.codes
      .map((f) => [f.path.expression, f.system, f.code ?? '', f.prefix ?? ''].join(SEP))
      .join('\n');
    const seenKey = trigger.codes.map((f) => `${f.path.expression}${SEP}${f.system}`).join('\n');
    entry.triggers.push({ trigger, wanted: describeWanted(trigger.codes), filterKey, seenKey });
    for (const filter of trigger.codes) {
      const at = `${filter.path.expression}${SEP}${filter.system}`;
      if (!entry.paths.some((path) => path.expression === filter.path.expression)) entry.paths.push(filter.path);
      if (filter.code !== undefined) addTo(entry.exact, `${at}${SEP}${filter.code}`, trigger);
      if (filter.prefix !== undefined) {
        addTo(entry.prefixes, `${at}${SEP}${filter.prefix}`, trigger);
        const known = entry.prefixLengths.get(at) ?? [];
        if (!known.includes(filter.prefix.length)) entry.prefixLengths.set(at, [...known, filter.prefix.length]);
      }
    }
  }
  return index;
}

/**
 * The triggers written for the resource's type, in file order. A trigger with code filters none of
 * which can match the resource's codes comes with its reason, so it costs no FHIRPath; every other
 * trigger (no code filter, a possible match, another interaction, a path that failed) is left for
 * `checkTrigger`, which then says why it does not fire, exactly as without the index.
 */
export function selectTriggers(
  index: TriggerIndex,
  facts: Pick<RuleFacts, 'resource' | 'interaction'>,
  evaluate: PathEvaluator,
): SelectedTrigger[] {
  const typeIndex = index.get(facts.resource.resourceType);
  if (!typeIndex) return [];
  const codings = codingsByPath(typeIndex, evaluate);
  const possible = possibleTriggers(typeIndex, codings);
  const anyPathFailed = codings.size < typeIndex.paths.length;
  const reasons = new Map<string, string>(); // triggers written from one template share their filters, so their reason
  const seenTexts = new Map<string, string>();
  const selected: SelectedTrigger[] = [];
  for (const { trigger, wanted, filterKey, seenKey } of typeIndex.triggers) {
    const checkInFull =
      trigger.codes.length === 0 ||
      possible.has(trigger) ||
      !trigger.interactions.has(facts.interaction) || // checkTrigger's first check gives that reason at no cost
      (anyPathFailed && trigger.codes.some((filter) => !codings.has(filter.path.expression))); // checkTrigger says how it failed
    if (checkInFull) {
      selected.push(trigger);
      continue;
    }
    let ruledOut = reasons.get(filterKey);
    if (ruledOut === undefined) {
      let seen = seenTexts.get(seenKey);
      if (seen === undefined) seenTexts.set(seenKey, (seen = seenText(trigger, codings)));
      ruledOut = codeMismatchReason(wanted, seen);
      reasons.set(filterKey, ruledOut);
    }
    selected.push({ triggerId: trigger.id, reason: ruledOut });
  }
  return selected;
}

/** The Codings at each code path of the type; a path whose evaluation failed is left out. */
function codingsByPath(typeIndex: TypeIndex, evaluate: PathEvaluator): Map<string, Coding[]> {
  const found = new Map<string, Coding[]>();
  for (const path of typeIndex.paths) {
    try {
      found.set(path.expression, codingsOf(evaluate(path)));
    } catch {
      // left out: the triggers reading this path are checked in full, and checkTrigger reports the failure
    }
  }
  return found;
}

function possibleTriggers(typeIndex: TypeIndex, codingsAt: ReadonlyMap<string, Coding[]>): Set<CompiledTrigger> {
  const possible = new Set<CompiledTrigger>();
  for (const [expression, codings] of codingsAt) {
    for (const { system, code } of codings) {
      if (code === undefined || system === undefined) continue;
      const at = `${expression}${SEP}${system}`;
      for (const trigger of typeIndex.exact.get(`${at}${SEP}${code}`) ?? []) possible.add(trigger);
      for (const length of typeIndex.prefixLengths.get(at) ?? []) {
        if (length > code.length) continue;
        for (const trigger of typeIndex.prefixes.get(`${at}${SEP}${code.slice(0, length)}`) ?? [])
          possible.add(trigger);
      }
    }
  }
  return possible;
}

/** The codes of the trigger's systems found at its paths, as `matchCodes` lists them. */
function seenText(trigger: CompiledTrigger, codingsAt: ReadonlyMap<string, Coding[]>): string {
  const seen = trigger.codes.flatMap((filter) =>
    (codingsAt.get(filter.path.expression) ?? [])
      .filter((coding) => coding.system === filter.system)
      .map((coding) => describeCoding(filter.system, coding.code)),
  );
  return [...new Set(seen)].join(', ');
}

function addTo(map: Map<string, CompiledTrigger[]>, key: string, trigger: CompiledTrigger): void {
  const list = map.get(key);
  if (list) list.push(trigger);
  else map.set(key, [trigger]);
}
