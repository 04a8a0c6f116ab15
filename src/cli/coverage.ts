import type { Resource } from '@medplum/fhirtypes';
import type { EpdClient } from '../epd/epd-client.js';
import type { CompiledMappings } from '../rules/compile-mappings.js';
import { skipClass, type SkipClass } from '../rules/skip-class.js';
import { simulate } from './simulate.js';

/** Skips that say "not this kind of change" rather than "almost a key moment". */
const NOT_NEAR: ReadonlySet<SkipClass> = new Set(['interaction', 'condition']);
/** How many near-miss reasons a trigger lists: enough to see the gap, short enough to read. */
const TOP_REASONS = 3;

/** What `coverage` found for one trigger. */
export interface TriggerCoverage {
  triggerId: string;
  resourceType: string;
  keyMoment: string;
  /** Changes of the trigger's resource type in the window (as far as they were read). */
  changes: number;
  /** Changes on which the trigger fired. */
  matched: number;
  /** Skips by reason class. */
  skipped: Partial<Record<SkipClass, number>>;
  /** The most frequent reasons of near misses (the change was of the right kind, but a filter did not pass). */
  nearMisses: { reason: string; count: number }[];
}

/** The whole report. */
export interface CoverageReport {
  since: string;
  /** Per resource type: how many changes were read, and whether `max` cut the list. */
  types: { resourceType: string; changes: number; truncated: boolean }[];
  triggers: TriggerCoverage[];
}

/** What a coverage run needs: a read-only EPD, the mappings, and the window. */
export interface CoverageInput {
  epd: EpdClient;
  mappings: CompiledMappings;
  /** ISO 8601 instant: changes last updated at or after it are looked at. */
  since: string;
  /** At most this many changes per resource type (the most recent pages first is up to the EPD). */
  max: number;
}

/**
 * Runs the rules, as a dry run, on every change of a listened-to type in the window, and says per
 * trigger how many matched and why the others did not. Why: a mapping that names the wrong code
 * system, department or resource shows as a wall of "code" or "department" skips within days.
 */
export async function coverage(input: CoverageInput): Promise<CoverageReport> {
  const tallies = new Map<string, TriggerCoverage & { reasons: Map<string, number> }>();
  for (const trigger of input.mappings.triggers) {
    const { id, resourceType, keyMoment } = trigger;
    tallies.set(id, {
      triggerId: id,
      resourceType,
      keyMoment,
      changes: 0,
      matched: 0,
      skipped: {},
      nearMisses: [],
      reasons: new Map(),
    });
  }
  const types: CoverageReport['types'] = [];
  for (const resourceType of [...input.mappings.resourceTypes].sort()) {
    const found = await input.epd.search<Resource>(resourceType as Resource['resourceType'], {
      _lastUpdated: `ge${input.since}`,
      _count: '100',
    });
    const changes = found.slice(0, input.max);
    types.push({ resourceType, changes: changes.length, truncated: found.length > changes.length });
    for (const resource of changes) {
      const report = await simulate({ body: resource, facts: [], mappings: input.mappings, epd: input.epd });
      for (const event of report.events) tally(tallies, resourceType, event);
    }
  }
  return {
    since: input.since,
    types,
    triggers: [...tallies.values()].map(({ reasons, ...coverage }) => ({
      ...coverage,
      nearMisses: [...reasons.entries()]
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .slice(0, TOP_REASONS)
        .map(([reason, count]) => ({ reason, count })),
    })),
  };
}

type Tallies = Map<string, TriggerCoverage & { reasons: Map<string, number> }>;
type Simulated = Awaited<ReturnType<typeof simulate>>['events'][number];

function tally(tallies: Tallies, resourceType: string, event: Simulated): void {
  for (const entry of tallies.values()) if (entry.resourceType === resourceType) entry.changes += 1;
  for (const { triggerId } of event.matched) {
    const entry = tallies.get(triggerId);
    if (entry) entry.matched += 1;
  }
  for (const skip of event.skipped) {
    const entry = tallies.get(skip.triggerId);
    if (!entry) continue;
    const cls = skipClass({ reason: skip.reason, ...(skip.code ? { code: skip.code as never } : {}) });
    entry.skipped[cls] = (entry.skipped[cls] ?? 0) + 1;
    if (NOT_NEAR.has(cls)) continue;
    const reason = withoutPatients(skip.reason);
    entry.reasons.set(reason, (entry.reasons.get(reason) ?? 0) + 1);
  }
  if (event.error) {
    for (const entry of tallies.values())
      if (entry.resourceType === resourceType) entry.skipped.other = (entry.skipped.other ?? 0) + 1;
  }
}

// Reasons name the patient's reference; a report to read on a terminal keeps it out, and equal reasons then add up.
function withoutPatients(reason: string): string {
  return reason.replace(/(Patient|RelatedPerson)\/[A-Za-z0-9.-]+/g, '$1/…');
}
