import type { Logger } from '../shared/logger.js';
import type { GapTracker } from './gap-tracker.js';
import type { ParsedNotification } from '../intake/parsed-notification.js';
import type { IntakeCounters } from '../polling/poll-counters.js';

/** What the notify route's gap hook needs. */
export interface GapWatchDeps {
  tracker: GapTracker;
  counters: IntakeCounters;
  /** Queues a check of the hole after the grace period (one per first missing number). */
  scheduleGapCheck: (source: string, subscription: string, missingFrom: number) => Promise<void>;
  log: Logger;
}

/** Only `Subscription/<id>` names state in Redis: the reference is the sender's text. */
const SUBSCRIPTION_REF = /^Subscription\/[A-Za-z0-9\-.]{1,64}$/;

/** Called by the notify route for every accepted notification; resolves once the state is in Redis. */
export type NotificationHook = (source: string, parsed: ParsedNotification, receivedAt: string) => Promise<void>;

/**
 * Keeps `events-since-subscription-start` per subscription: every notification (events, empty,
 * heartbeat, handshake) moves the count; a hole (1, 2, 4, or a heartbeat announcing more than came)
 * schedules a check after a grace period, which recovers by reading the EPD if the late one does not
 * come. A status `error` from the server is logged and counted.
 */
export function createGapWatch(deps: GapWatchDeps): NotificationHook {
  return async function onNotification(source, parsed, receivedAt) {
    const { subscription } = parsed;
    if (!subscription) return; // messages and plain resources carry no event numbers
    if (!SUBSCRIPTION_REF.test(subscription)) {
      deps.log.warn({ source }, 'notification names no Subscription/<id>; event numbers not tracked');
      return;
    }
    if (parsed.status === 'error') {
      await deps.counters.add(source, 'errorNotifications');
      deps.log.warn({ source, subscription, kind: parsed.kind }, 'subscription reports status error');
    }
    const numbers = parsed.kind === 'events' || parsed.kind === 'empty' ? parsed.eventNumbers : [];
    const { missingFrom } = await deps.tracker.observe(source, subscription, {
      numbers,
      ...(parsed.eventCount === undefined ? {} : { count: parsed.eventCount }),
      reset: parsed.kind === 'handshake',
      atMs: Date.parse(receivedAt),
    });
    if (missingFrom === undefined) return;
    await deps.scheduleGapCheck(source, subscription, missingFrom);
    deps.log.info({ source, subscription, missingFrom }, 'event numbers skip; waiting for the late notification');
  };
}
