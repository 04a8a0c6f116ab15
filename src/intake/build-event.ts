import type { EpdEvent, Interaction, IntakeShape } from './epd-event.js';
import { versionEventKey } from './epd-event.js';
import type { ReferenceParts } from './reference-parts.js';
import { contentHash } from './resource-hash.js';

/** Who sent a body and when it arrived; every event of the body carries these. */
export interface IntakeContext {
  /** Configured intake source id (e.g. `hix`): who told us; never part of an event's identity. */
  source: string;
  /** The EPD's base URL (`EPD_BASE_URL`): the namespace of event identity, shared by every source watching it. */
  epdBase: string;
  /** ISO 8601 instant the body was received: the last resort for `occurredAt`. */
  receivedAt: string;
}

/** What a shape parser knows about one change, before the key and interaction are settled. */
export interface EventDraft {
  shape: IntakeShape;
  target: ReferenceParts;
  /** From the resource's meta; wins over a version in the reference. */
  versionId?: string;
  /** `Bundle.entry.request.method`, when the sender gave one. */
  method?: string;
  occurredAt: string;
  /** The key to use when no version is known; each shape has its own (see the parsers). */
  unversionedKey: string;
}

// HTTP verbs of Bundle.entry.request that change a resource, and the interaction each one means.
const CHANGE_METHODS: Readonly<Record<string, Interaction>> = {
  POST: 'create',
  PUT: 'update',
  PATCH: 'update',
  DELETE: 'delete',
};
// Verbs that only read: such entries (in a batch) are not changes and yield no event.
const READ_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD']);
// FHIR `instant`: date, time with seconds, optional fraction, mandatory zone.
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Turns a draft into the normalised event; the version-based key makes push and poll agree. */
export function buildEvent(draft: EventDraft, ctx: IntakeContext): EpdEvent {
  const { target } = draft;
  const versionId = draft.versionId ?? target.versionId;
  const eventKey = versionId ? versionEventKey(ctx.epdBase, target.reference, versionId) : draft.unversionedKey;
  // Only what the sender said: a version number tells nothing (real servers use UUIDs); see resolve-interaction.ts.
  const interaction = interactionOf(draft.method) ?? 'unknown';
  return {
    eventKey,
    source: ctx.source,
    shape: draft.shape,
    resourceType: target.resourceType,
    reference: target.reference,
    ...(versionId ? { versionId } : {}),
    interaction,
    occurredAt: draft.occurredAt,
  };
}

/** The interaction an entry's request method stands for; undefined for no method or a read. */
export function interactionOf(method: string | undefined): Interaction | undefined {
  // Own keys only: a method of "toString" must not find Object.prototype's members.
  return method !== undefined && Object.hasOwn(CHANGE_METHODS, method) ? CHANGE_METHODS[method] : undefined;
}

/** True for a request method this service understands (a change or a read). */
export function isKnownMethod(method: string): boolean {
  return Object.hasOwn(CHANGE_METHODS, method) || READ_METHODS.has(method);
}

/** True for a request method that only reads (GET, HEAD). */
export function isReadMethod(method: string | undefined): boolean {
  return method !== undefined && READ_METHODS.has(method);
}

/** The first candidate that is a FHIR instant, else the time the body was received. */
export function occurredAtOf(candidates: readonly (string | undefined)[], ctx: IntakeContext): string {
  return candidates.find((c) => c !== undefined && INSTANT.test(c)) ?? ctx.receivedAt;
}

/** Keeps the first event of each key: one body may mention the same change twice. */
export function dedupeEvents(events: readonly EpdEvent[]): EpdEvent[] {
  const seen = new Set<string>();
  return events.filter((e) => (seen.has(e.eventKey) ? false : (seen.add(e.eventKey), true)));
}

/**
 * `epdBase|Type/id|sha256:…` of the resource as sent, or, without content (id-only, delete), of what
 * is known of the change: a redelivery of the same body then gets the same key.
 */
export function contentKey(
  ctx: IntakeContext,
  reference: string,
  content: unknown,
  change: { method?: string | undefined; occurredAt: string },
): string {
  return `${ctx.epdBase}|${reference}|${contentHash(content ?? { reference, ...change })}`;
}
