import type { Problem } from '../shared/errors.js';
import { arrayField, choiceValue, isJsonObject, stringField, type JsonObject } from './json-fields.js';
import { quoted } from './json-limits.js';
import { parseReference, type ReferenceParts } from './reference-parts.js';
import type { ResourceJson } from './resource-target.js';

/** Notification types of the Subscriptions Backport IG (R5 `SubscriptionStatus.type`). */
export const NOTIFICATION_TYPES = [
  'handshake',
  'heartbeat',
  'event-notification',
  'query-status',
  'query-event',
] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

/** One `notification-event` of a status: the change it announces. */
export interface NotificationEventInfo {
  eventNumber?: number;
  timestamp?: string;
  focus?: ReferenceParts;
}

/** The subscription status of a notification, whichever resource carried it. */
export interface SubscriptionStatusInfo {
  /** `Subscription/id` when the reference has that shape, else the reference as sent. */
  subscription?: string;
  topic?: string;
  status?: string;
  type?: NotificationType;
  eventsSinceSubscriptionStart?: number;
  notificationEvents: NotificationEventInfo[];
}

/** A name/value pair of the status, with the FHIRPath where it was found (for problems). */
interface StatusField {
  name: string;
  value: unknown;
  path: string;
  parts: StatusField[];
}

// Names the status may carry, normalised (lower case, letters only) so that the R4 parameter name
// (`notification-event`), the R4B/R5 element name (`notificationEvent`) and an extension URL tail match.
const STATUS_NAMES = [
  'subscription',
  'topic',
  'status',
  'type',
  'eventssincesubscriptionstart',
  'notificationevent',
  'error',
];
const EVENT_PART_NAMES = ['eventnumber', 'timestamp', 'focus', 'additionalcontext'];
// A count in a status may arrive as a string (R4 valueString, R4B string, R5 integer64).
const COUNT = /^\d{1,15}$/;

/**
 * Reads the status entry of a notification: an R4 `Parameters` (Backport IG profile), an R4B/R5
 * `SubscriptionStatus`, or a `Basic` whose extension URLs end in the parameter names. Returns
 * undefined (with a problem) when the resource is none of these.
 */
export function readSubscriptionStatus(
  resource: ResourceJson,
  path: string,
  problems: Problem[],
): SubscriptionStatusInfo | undefined {
  const fields = statusFields(resource, path);
  if (!fields) {
    const message = 'first entry of a notification must be a subscription status';
    problems.push({ code: 'structure', message, expression: `${path}.resourceType` });
    return undefined;
  }
  const info: SubscriptionStatusInfo = { notificationEvents: [] };
  const subscription = textOf(find(fields, 'subscription')?.value);
  if (subscription) info.subscription = parseReference(subscription)?.reference ?? subscription;
  const topic = textOf(find(fields, 'topic')?.value);
  if (topic) info.topic = topic;
  const status = textOf(find(fields, 'status')?.value);
  if (status) info.status = status;
  const type = readType(find(fields, 'type'), path, problems);
  if (type) info.type = type;
  const since = find(fields, 'eventssincesubscriptionstart');
  const count = since ? countOf(since, problems) : undefined;
  if (count !== undefined) info.eventsSinceSubscriptionStart = count;
  for (const field of fields.filter((f) => f.name === 'notificationevent')) {
    info.notificationEvents.push(readNotificationEvent(field, problems));
  }
  return info;
}

function readType(field: StatusField | undefined, path: string, problems: Problem[]): NotificationType | undefined {
  const type = textOf(field?.value);
  if (type === undefined) {
    const expression = field?.path ?? `${path}.type`;
    problems.push({ code: 'required', message: 'subscription status has no notification type', expression });
    return undefined;
  }
  if ((NOTIFICATION_TYPES as readonly string[]).includes(type)) return type as NotificationType;
  problems.push({ code: 'value', message: `unknown notification type ${quoted(type)}`, expression: field?.path });
  return undefined;
}

function readNotificationEvent(field: StatusField, problems: Problem[]): NotificationEventInfo {
  const event: NotificationEventInfo = {};
  const number = find(field.parts, 'eventnumber');
  const eventNumber = number ? countOf(number, problems) : undefined;
  if (eventNumber !== undefined) event.eventNumber = eventNumber;
  const timestamp = textOf(find(field.parts, 'timestamp')?.value);
  if (timestamp) event.timestamp = timestamp;
  const focusField = find(field.parts, 'focus');
  const focusText = textOf(focusField?.value);
  if (focusField && focusText !== undefined) {
    const focus = parseReference(focusText);
    if (focus) event.focus = focus;
    else problems.push({ code: 'value', message: 'focus is not a Type/id reference', expression: focusField.path });
  }
  return event;
}

function statusFields(resource: ResourceJson, path: string): StatusField[] | undefined {
  switch (resource.resourceType) {
    case 'Parameters':
      return parameterFields(arrayField(resource, 'parameter'), `${path}.parameter`);
    case 'SubscriptionStatus':
      return elementFields(resource, path);
    case 'Basic':
      return extensionFields(arrayField(resource, 'extension'), `${path}.extension`, STATUS_NAMES);
    default:
      return undefined;
  }
}

function parameterFields(list: unknown[] | undefined, path: string): StatusField[] {
  return objectsOf(list).map(([p, i]) => ({
    name: normalise(stringField(p, 'name') ?? ''),
    value: choiceValue(p)?.value,
    path: `${path}[${i}]`,
    parts: parameterFields(arrayField(p, 'part'), `${path}[${i}].part`),
  }));
}

// R4B/R5 SubscriptionStatus: plain elements; each notificationEvent is an object of parts.
function elementFields(resource: JsonObject, path: string): StatusField[] {
  const plainFields = (obj: JsonObject, at: string): StatusField[] =>
    Object.entries(obj).map(([k, v]) => ({ name: normalise(k), value: v, path: `${at}.${k}`, parts: [] }));
  const events = objectsOf(arrayField(resource, 'notificationEvent')).map(([e, i]) => {
    const at = `${path}.notificationEvent[${i}]`;
    return { name: 'notificationevent', value: undefined, path: at, parts: plainFields(e, at) };
  });
  return [...plainFields(resource, path).filter((f) => f.name !== 'notificationevent'), ...events];
}

function extensionFields(list: unknown[] | undefined, path: string, names: readonly string[]): StatusField[] {
  return objectsOf(list).map(([ext, i]) => {
    const tail = normalise(stringField(ext, 'url') ?? '');
    const name = names.filter((n) => tail.endsWith(n)).sort((a, b) => b.length - a.length)[0] ?? tail;
    const parts = extensionFields(arrayField(ext, 'extension'), `${path}[${i}].extension`, EVENT_PART_NAMES);
    return { name, value: choiceValue(ext)?.value, path: `${path}[${i}]`, parts };
  });
}

function objectsOf(list: unknown[] | undefined): [JsonObject, number][] {
  return (list ?? []).flatMap((item, i): [JsonObject, number][] => (isJsonObject(item) ? [[item, i]] : []));
}

function find(fields: StatusField[], name: string): StatusField | undefined {
  return fields.find((f) => f.name === name);
}

function normalise(name: string): string {
  return name.toLowerCase().replace(/[^a-z]/g, '');
}

// A string, a Reference (its `reference`), or a number as text.
function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return isJsonObject(value) ? stringField(value, 'reference') : undefined;
}

function countOf(field: StatusField, problems: Problem[]): number | undefined {
  const { value } = field;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  if (typeof value === 'string' && COUNT.test(value)) return Number(value);
  problems.push({ code: 'value', message: 'event count is not a non-negative whole number', expression: field.path });
  return undefined;
}
