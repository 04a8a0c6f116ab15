import type { Subscription } from '@medplum/fhirtypes';
import type { EpdGet } from '../epd/connect-epd.js';
import type { EpdClient } from '../epd/epd-client.js';
import { epdHttpError } from '../epd/epd-error.js';
import { AppError } from '../shared/errors.js';
import { arrayField, isJsonObject } from '../intake/json-fields.js';
import { readSubscriptionStatus } from '../intake/read-subscription-status.js';
import { isResourceJson } from '../intake/resource-target.js';

/** What a status check learned about a subscription. */
export interface SubscriptionCheck {
  /** requested | active | error | off */
  status?: string;
  /** `events-since-subscription-start`, from `$status` only. */
  count?: number;
  via: '$status' | 'read';
}

/** Asks the EPD how a subscription is doing. */
export interface SubscriptionStatusClient {
  /** `$status` (Subscriptions Backport IG); a server without it is asked for the Subscription itself. */
  status(subscription: string): Promise<SubscriptionCheck>;
  /** The heartbeat period of the Subscription in ms; undefined when it has none. */
  heartbeatPeriodMs(subscription: string): Promise<number | undefined>;
}

/** Answers of a server that does not offer `$status`: then the Subscription itself is read. */
const NO_OPERATION = new Set([400, 404, 405, 501]);
/** Only `Subscription/<id>` goes into a URL: a reference from a notification is the sender's text. */
const SUBSCRIPTION_REF = /^Subscription\/[A-Za-z0-9\-.]{1,64}$/;
/** R4 Backport IG extension (on Subscription.channel) carrying the heartbeat period in seconds. */
const HEARTBEAT_EXTENSION =
  'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-heartbeat-period';

/**
 * Why not through the EpdClient: the port has no operation call, and `$status` is the only one this
 * service needs; `get` is the EPD connection's own (same transport, token and error normalisation).
 */
export function createSubscriptionStatusClient(options: { get: EpdGet; epd: EpdClient }): SubscriptionStatusClient {
  return {
    async status(subscription) {
      checkReference(subscription);
      const request = 'GET Subscription/$status';
      const res = await options.get(`${subscription}/$status`);
      const body = parseJson(res.body);
      if (res.status >= 200 && res.status < 300) return { ...statusFromBundle(body), via: '$status' };
      if (!NO_OPERATION.has(res.status)) throw epdHttpError(request, res.status, body, res.headers);
      const found = await options.epd.read<Subscription>(subscription);
      return { ...(found.status ? { status: found.status } : {}), via: 'read' };
    },
    async heartbeatPeriodMs(subscription) {
      checkReference(subscription);
      return heartbeatOf(await options.epd.read<Subscription>(subscription));
    },
  };
}

/** The heartbeat period of a Subscription (Backport extension, or an R4B/R5 element) in ms. */
export function heartbeatOf(subscription: Subscription): number | undefined {
  const extensions = [...(subscription.channel?.extension ?? []), ...(subscription.extension ?? [])];
  const seconds =
    extensions.find((e) => e.url === HEARTBEAT_EXTENSION)?.valueUnsignedInt ??
    (subscription as { heartbeatPeriod?: number }).heartbeatPeriod;
  return typeof seconds === 'number' && seconds > 0 ? seconds * 1000 : undefined;
}

function statusFromBundle(body: unknown): Omit<SubscriptionCheck, 'via'> {
  const entries = isJsonObject(body) ? (arrayField(body, 'entry') ?? []) : [];
  for (const entry of entries) {
    const resource = isJsonObject(entry) ? entry.resource : undefined;
    if (!isResourceJson(resource)) continue;
    const info = readSubscriptionStatus(resource, 'Bundle.entry.resource', []);
    if (!info) continue;
    return {
      ...(info.status ? { status: info.status } : {}),
      ...(info.eventsSinceSubscriptionStart === undefined ? {} : { count: info.eventsSinceSubscriptionStart }),
    };
  }
  return {};
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function checkReference(subscription: string): void {
  if (!SUBSCRIPTION_REF.test(subscription)) {
    throw new AppError(`"${subscription.slice(0, 80)}" is not a Subscription/<id> reference`, {
      status: 422,
      retry: false,
    });
  }
}
