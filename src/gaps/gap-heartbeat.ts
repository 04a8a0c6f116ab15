import { isRetryable } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { GapCheckDeps } from './gap-check.js';
import type { SubscriptionStatusClient } from './gap-status-client.js';
import type { WatchedSubscription } from './gap-tracker.js';
import { readWindows } from '../polling/poll-read-window.js';
import type { PollResult } from '../polling/poll-source.js';
import { sliceWindow } from '../polling/poll-window.js';

/** What the heartbeat check needs besides the gap-check deps. */
export interface HeartbeatCheckDeps extends GapCheckDeps {
  statusClient: SubscriptionStatusClient;
}

/**
 * Looks for subscriptions of a source that fell silent: no notification (not even a heartbeat)
 * within their heartbeat period plus the grace. For each: count and log it, ask the EPD for the
 * subscription's status (which may reveal missed event numbers), and read the changes since the
 * last sign of life. A subscription without a heartbeat period is not watched.
 */
export async function checkHeartbeats(deps: HeartbeatCheckDeps, source: string, log: Logger): Promise<PollResult> {
  const total = { found: 0, queued: 0 };
  for (const watched of await deps.tracker.subscriptions(source)) {
    const heartbeatMs = watched.heartbeatMs ?? (await learnHeartbeat(deps, source, watched.subscription, log));
    const nowMs = deps.now().getTime();
    if (!heartbeatMs || nowMs - watched.lastSeenAt <= heartbeatMs + deps.settings.heartbeatGraceMs) continue;
    await deps.counters.add(source, 'heartbeatsMissed');
    log.warn(
      { source, subscription: watched.subscription, silentForMs: nowMs - watched.lastSeenAt, heartbeatMs },
      'heartbeat missed; checking the subscription and polling',
    );
    await checkStatus(deps, source, watched, log);
    const windows = sliceWindow(watched.lastSeenAt - deps.settings.overlapMs, nowMs, deps.settings.maxWindowMs);
    const read = await readWindows(deps, source, deps.typesFor(source), windows, log);
    await deps.counters.add(source, 'recoveryEventsQueued', read.queued);
    await deps.tracker.touch(source, watched.subscription, nowMs); // dealt with: the next alarm is one period away
    total.found += read.found;
    total.queued += read.queued;
  }
  return { outcome: 'polled', ...total };
}

/** Reads the heartbeat period once and remembers it (0: none, or the Subscription cannot be read). */
async function learnHeartbeat(
  deps: HeartbeatCheckDeps,
  source: string,
  subscription: string,
  log: Logger,
): Promise<number | undefined> {
  try {
    const heartbeatMs = (await deps.statusClient.heartbeatPeriodMs(subscription)) ?? 0;
    await deps.tracker.setHeartbeat(source, subscription, heartbeatMs);
    log.info(
      { source, subscription, heartbeatMs },
      heartbeatMs ? 'heartbeat watched' : 'subscription has no heartbeat period; not watched',
    );
    return heartbeatMs;
  } catch (err) {
    if (isRetryable(err)) return undefined; // try again at the next check
    await deps.tracker.setHeartbeat(source, subscription, 0);
    log.info(
      { source, subscription, reason: (err as Error).message },
      'subscription cannot be read; heartbeat not watched',
    );
    return 0;
  }
}

/** `$status` (or a read of the Subscription): a count beyond what arrived schedules a gap check. */
async function checkStatus(
  deps: HeartbeatCheckDeps,
  source: string,
  watched: WatchedSubscription,
  log: Logger,
): Promise<void> {
  const { subscription } = watched;
  try {
    const check = await deps.statusClient.status(subscription);
    if (check.status && check.status !== 'active')
      log.warn({ source, subscription, status: check.status, via: check.via }, 'subscription is not active');
    else
      log.info(
        { source, subscription, status: check.status, via: check.via, count: check.count },
        'subscription status checked',
      );
    if (check.count === undefined) return;
    const { missingFrom } = await deps.tracker.observe(source, subscription, {
      numbers: [],
      count: check.count,
      atMs: watched.lastSeenAt,
    });
    if (missingFrom !== undefined) await deps.scheduleGapCheck(source, subscription, missingFrom);
  } catch (err) {
    // The poll below is what recovers changes; a failed status check must not stop it.
    log.warn({ source, subscription, reason: (err as Error).message }, 'subscription status check failed');
  }
}
