import type { Problem } from '../shared/errors.js';
import { buildEvent, contentKey, dedupeEvents, occurredAtOf, type IntakeContext } from './build-event.js';
import type { EpdEvent } from './epd-event.js';
import { arrayField, stringField } from './json-fields.js';
import { assertNoProblems, type ParsedNotification } from './parsed-notification.js';
import { readBundleEntry, type BundleEntryItem } from './read-bundle-entry.js';
import type { ResourceJson } from './resource-target.js';

/**
 * Parses a `transaction`, `batch` or `collection` Bundle (an integration engine forwarding what the
 * EPD wrote): one event per changed resource, the interaction taken from `entry.request.method`.
 * Reads (GET/HEAD) and infrastructure resources are skipped; a Bundle with no change at all is refused.
 */
export function parseResourceBundle(bundle: ResourceJson, ctx: IntakeContext): ParsedNotification {
  const problems: Problem[] = [];
  const entries = arrayField(bundle, 'entry') ?? [];
  const items = entries.map((entry, i) => readBundleEntry(entry, `Bundle.entry[${i}]`, problems));
  const changes = items.filter((item) => item !== undefined);
  if (problems.length === 0 && changes.length === 0) {
    const message = 'Bundle holds no created, updated or deleted resource';
    problems.push({ code: 'required', message, expression: 'Bundle.entry' });
  }
  assertNoProblems(problems, 'not a usable resource Bundle');
  const bundleTimestamp = stringField(bundle, 'timestamp');
  const events = changes.map((item) => itemEvent(item, bundleTimestamp, ctx));
  return { kind: 'events', events: dedupeEvents(events), eventNumbers: [] };
}

function itemEvent(item: BundleEntryItem, bundleTimestamp: string | undefined, ctx: IntakeContext): EpdEvent {
  const occurredAt = occurredAtOf([item.lastUpdated, bundleTimestamp], ctx);
  const unversionedKey = contentKey(ctx, item.target.reference, item.content, { method: item.method, occurredAt });
  return buildEvent({ shape: 'bundle', target: item.target, method: item.method, occurredAt, unversionedKey }, ctx);
}
