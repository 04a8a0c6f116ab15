import { badInput, type Problem } from '../shared/errors.js';
import type { EpdEvent } from './epd-event.js';
import { buildEvent, contentKey, dedupeEvents, occurredAtOf, type IntakeContext } from './build-event.js';
import { arrayField, isJsonObject, stringField } from './json-fields.js';
import type { ParsedNotification } from './parsed-notification.js';
import { readBundleEntry, type BundleEntryItem } from './read-bundle-entry.js';
import {
  readSubscriptionStatus,
  type NotificationEventInfo,
  type SubscriptionStatusInfo,
} from './read-subscription-status.js';
import { sameResource } from './reference-parts.js';
import { isResourceJson, type ResourceJson } from './resource-target.js';

/** Everything an event of one notification needs besides its own entry or focus. */
interface NotificationScope {
  ctx: IntakeContext;
  subscription: string;
  bundleTimestamp: string | undefined;
}

const STATUS_PATH = 'Bundle.entry[0].resource';

/**
 * Parses a topic-based subscription notification (Subscriptions R5 Backport IG, R4): a history
 * Bundle whose first entry is the subscription status. Full-resource and id-only payloads give one
 * event per change; an empty payload (or a notification with nothing to name) gives kind `empty`.
 */
export function parseSubscriptionNotification(bundle: ResourceJson, ctx: IntakeContext): ParsedNotification {
  const problems: Problem[] = [];
  const entries = arrayField(bundle, 'entry') ?? [];
  const status = readStatusEntry(entries[0], problems);
  const isEvent = status?.type === 'event-notification' || status?.type === 'query-event';
  if (isEvent && !status?.subscription) {
    problems.push({ code: 'required', message: 'event notification names no subscription', expression: STATUS_PATH });
  }
  const items = isEvent ? entries.slice(1).map((e, i) => readBundleEntry(e, `Bundle.entry[${i + 1}]`, problems)) : [];
  // A status without a type always comes with a problem; the second test is for the type checker.
  if (problems.length > 0 || !status?.type) throw badInput(422, 'not a usable subscription notification', problems);

  const subscription = {
    ...(status.subscription ? { subscription: status.subscription } : {}),
    ...(status.status ? { status: status.status } : {}),
    ...(status.eventsSinceSubscriptionStart === undefined ? {} : { eventCount: status.eventsSinceSubscriptionStart }),
  };
  if (!isEvent || !status.subscription) {
    return { kind: status.type === 'handshake' ? 'handshake' : 'heartbeat', ...subscription };
  }
  const bundleTimestamp = stringField(bundle, 'timestamp');
  const scope: NotificationScope = { ctx, subscription: status.subscription, bundleTimestamp };
  const changes = items.filter((i) => i !== undefined);
  const events = dedupeEvents(eventsOf(status.notificationEvents, changes, scope));
  const eventNumbers = [...new Set(status.notificationEvents.flatMap((e) => e.eventNumber ?? []))];
  if (events.length === 0) return { kind: 'empty', ...subscription, eventNumbers };
  return { kind: 'events', events, ...subscription, eventNumbers };
}

function readStatusEntry(entry: unknown, problems: Problem[]): SubscriptionStatusInfo | undefined {
  const resource = isJsonObject(entry) ? entry.resource : undefined;
  if (isResourceJson(resource)) return readSubscriptionStatus(resource, STATUS_PATH, problems);
  const message = 'first entry of a notification must be a subscription status';
  problems.push({ code: 'structure', message, expression: STATUS_PATH });
  return undefined;
}

/**
 * Why focus first: when the status names the focus of each event, only those resources changed;
 * other entries are additional context (the patient, the encounter) and must not become events.
 * Without any focus, every changed resource in the entries is an event.
 */
function eventsOf(
  notificationEvents: NotificationEventInfo[],
  items: BundleEntryItem[],
  scope: NotificationScope,
): EpdEvent[] {
  const focused = notificationEvents.filter((e) => e.focus !== undefined);
  if (focused.length > 0) return focused.map((e) => focusEvent(e, items, scope));
  // The event number identifies an entry only when there is exactly one of each.
  const numbered = notificationEvents.length === 1 && items.length === 1 ? notificationEvents[0] : undefined;
  return items.map((item) => itemEvent(item, numbered, scope));
}

function focusEvent(event: NotificationEventInfo, items: BundleEntryItem[], scope: NotificationScope): EpdEvent {
  const focus = event.focus!;
  const versionsAgree = (v: string | undefined) => !focus.versionId || !v || focus.versionId === v;
  const item = items.find((i) => sameResource(i.target, focus) && versionsAgree(i.target.versionId));
  if (item) {
    const target = item.target.versionId ? item.target : { ...item.target, versionId: focus.versionId };
    return itemEvent({ ...item, target }, event, scope);
  }
  const occurredAt = occurredAtOf([event.timestamp, scope.bundleTimestamp], scope.ctx);
  const unversionedKey = numberedKey(event, scope) ?? contentKey(scope.ctx, focus.reference, undefined, { occurredAt });
  return buildEvent({ shape: 'subscription-notification', target: focus, occurredAt, unversionedKey }, scope.ctx);
}

function itemEvent(
  item: BundleEntryItem,
  event: NotificationEventInfo | undefined,
  scope: NotificationScope,
): EpdEvent {
  const { target, method, content } = item;
  const occurredAt = occurredAtOf([item.lastUpdated, event?.timestamp, scope.bundleTimestamp], scope.ctx);
  const numbered = event ? numberedKey(event, scope) : undefined;
  const unversionedKey = numbered ?? contentKey(scope.ctx, target.reference, content, { method, occurredAt });
  return buildEvent({ shape: 'subscription-notification', target, method, occurredAt, unversionedKey }, scope.ctx);
}

function numberedKey(event: NotificationEventInfo, scope: NotificationScope): string | undefined {
  if (event.eventNumber === undefined) return undefined;
  return `${scope.ctx.epdBase}|${scope.subscription}|event/${event.eventNumber}`;
}
