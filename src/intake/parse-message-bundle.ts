import { badInput, type Problem } from '../shared/errors.js';
import type { EpdEvent } from './epd-event.js';
import { buildEvent, dedupeEvents, occurredAtOf, type IntakeContext } from './build-event.js';
import { arrayField, isJsonObject, stringField, type JsonObject } from './json-fields.js';
import { assertNoProblems, type ParsedNotification } from './parsed-notification.js';
import { readBundleEntry, type BundleEntryItem } from './read-bundle-entry.js';
import { parseReference, type ReferenceParts } from './reference-parts.js';
import { contentHash } from './resource-hash.js';
import { isResourceJson, type ResourceJson } from './resource-target.js';

/** What every event of one message shares. */
interface MessageScope {
  ctx: IntakeContext;
  /** MessageHeader id, else Bundle id, else a hash of the header: names the message in event keys. */
  messageId: string;
  /** Header timestamp (an STU3 habit some engines keep), else Bundle timestamp. */
  timestamps: (string | undefined)[];
}

const HEADER_PATH = 'Bundle.entry[0].resource';

/**
 * Parses a FHIR message (Bundle type `message`, MessageHeader first): one event per
 * `MessageHeader.focus`. A focus may point at an entry by its fullUrl (often a `urn:uuid:`) or be a
 * literal `Type/id`; when the focused resource is in the Bundle its version and time are used.
 */
export function parseMessageBundle(bundle: ResourceJson, ctx: IntakeContext): ParsedNotification {
  const problems: Problem[] = [];
  const entries = (arrayField(bundle, 'entry') ?? []).map((e) => (isJsonObject(e) ? e : {}));
  const header = entries[0]?.resource;
  if (!isResourceJson(header) || header.resourceType !== 'MessageHeader') {
    const message = 'first entry of a message must be a MessageHeader';
    throw badInput(422, 'not a usable FHIR message', [{ code: 'structure', message, expression: HEADER_PATH }]);
  }
  const focusList = arrayField(header, 'focus') ?? [];
  if (focusList.length === 0) {
    problems.push({ code: 'required', message: 'MessageHeader has no focus', expression: `${HEADER_PATH}.focus` });
  }
  const scope: MessageScope = {
    ctx,
    messageId: stringField(header, 'id') ?? stringField(bundle, 'id') ?? contentHash(header),
    timestamps: [stringField(header, 'timestamp'), stringField(bundle, 'timestamp')],
  };
  const events = focusList.map((focus, j) => focusEvent(focus, `${HEADER_PATH}.focus[${j}]`, entries, scope, problems));
  assertNoProblems(problems, 'not a usable FHIR message');
  return { kind: 'events', events: dedupeEvents(events.filter((e) => e !== undefined)), eventNumbers: [] };
}

function focusEvent(
  focus: unknown,
  path: string,
  entries: JsonObject[],
  scope: MessageScope,
  problems: Problem[],
): EpdEvent | undefined {
  const reference = isJsonObject(focus) ? stringField(focus, 'reference') : undefined;
  if (reference === undefined) {
    problems.push({ code: 'required', message: 'focus has no reference', expression: `${path}.reference` });
    return undefined;
  }
  const item = focusedItem(reference, path, entries, problems);
  if (!item) return undefined;
  const occurredAt = occurredAtOf([item.lastUpdated, ...scope.timestamps], scope.ctx);
  const unversionedKey = `${scope.ctx.epdBase}|message/${scope.messageId}|${item.target.reference}`;
  return buildEvent({ shape: 'message', target: item.target, occurredAt, unversionedKey }, scope.ctx);
}

/** The focused change: the entry the reference resolves to, else the literal reference alone. */
function focusedItem(
  reference: string,
  path: string,
  entries: JsonObject[],
  problems: Problem[],
): BundleEntryItem | undefined {
  const parts = parseReference(reference);
  const index = entries.findIndex((e, i) => i > 0 && (stringField(e, 'fullUrl') === reference || holds(e, parts)));
  if (index > 0) {
    const before = problems.length;
    const item = readBundleEntry(entries[index], `Bundle.entry[${index}]`, problems);
    if (item && !item.target.versionId && parts?.versionId) {
      return { ...item, target: { ...item.target, versionId: parts.versionId } };
    }
    if (item) return item;
    if (problems.length === before) {
      const message = 'focus points at an entry without a changed resource';
      problems.push({ code: 'value', message, expression: `${path}.reference` });
    }
    return undefined;
  }
  if (parts) return { target: parts };
  const message = 'focus is neither a Type/id reference nor an entry of the Bundle';
  problems.push({ code: 'value', message, expression: `${path}.reference` });
  return undefined;
}

/** True when the entry's resource is the one the reference names. */
function holds(entry: JsonObject, parts: ReferenceParts | undefined): boolean {
  const resource = entry.resource;
  if (parts === undefined || !isResourceJson(resource)) return false;
  return resource.resourceType === parts.resourceType && resource.id === parts.id;
}
