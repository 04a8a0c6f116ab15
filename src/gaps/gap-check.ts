import type { PollJobData } from '../queue/job-types.js';
import { badInput } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { GapTracker } from './gap-tracker.js';
import { readWindows } from '../polling/poll-read-window.js';
import type { PollResult, PollSourceDeps } from '../polling/poll-source.js';
import { sliceWindow } from '../polling/poll-window.js';

/** What a gap check needs: the poll deps and the event-number state. */
export interface GapCheckDeps extends PollSourceDeps {
  tracker: GapTracker;
  /** Queues a check of a hole after the grace period (one per first missing number). */
  scheduleGapCheck: (source: string, subscription: string, missingFrom: number) => Promise<void>;
}

/**
 * Runs when the grace period after a hole in the event numbers is over. If the late notification
 * came meanwhile there is nothing to do; otherwise the changes since the last number that did
 * arrive (minus the overlap) are read from the EPD and queued, and the numbers up to the highest
 * announced count as handled. Why reading rather than `$events`: every FHIR server answers a
 * `_lastUpdated` search; `$events` is optional in the Backport IG (and absent in the sandbox).
 */
export async function checkGap(deps: GapCheckDeps, data: PollJobData, log: Logger): Promise<PollResult> {
  const { source, subscription, missingFrom } = data;
  if (!subscription || missingFrom === undefined) {
    throw badInput(422, 'a gap check needs subscription and missingFrom', [
      { code: 'required', message: 'missing', expression: 'subscription' },
    ]);
  }
  await deps.counters.add(source, 'gapsDetected');
  const state = await deps.tracker.state(source, subscription);
  if (!state || state.upTo >= missingFrom) {
    await deps.counters.add(source, 'gapsClosedLate');
    log.info({ source, subscription, missingFrom }, 'late notification arrived; no recovery needed');
    // A later hole (1, 2, 4, 6 with 3 now in) gets its own grace period and check.
    if (state && state.known > state.upTo) await deps.scheduleGapCheck(source, subscription, state.upTo + 1);
    return { outcome: 'skipped', why: 'the late notification arrived' };
  }
  const nowMs = deps.now().getTime();
  const covered = state.known; // announced before the read started, so the read covers their changes
  const windows = sliceWindow(state.upToAt - deps.settings.overlapMs, nowMs, deps.settings.maxWindowMs);
  const read = await readWindows(deps, source, deps.typesFor(source), windows, log);
  await deps.tracker.settle(source, subscription, covered, nowMs);
  await deps.counters.add(source, 'gapsRecovered');
  await deps.counters.add(source, 'recoveryEventsQueued', read.queued);
  log.warn(
    { source, subscription, missingFrom, coveredUpTo: covered, found: read.found, queued: read.queued },
    'missed notifications recovered by reading the EPD',
  );
  return { outcome: 'polled', found: read.found, queued: read.queued };
}
