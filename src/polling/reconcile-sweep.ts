import type { Logger } from '../shared/logger.js';
import type { PollResult, PollSourceDeps } from './poll-source.js';
import { readWindows } from './poll-read-window.js';
import { sliceWindow } from './poll-window.js';

/** Longer than any sweep should take (a day in hourly slices); a second sweep after expiry is harmless. */
const SWEEP_LOCK_MS = 30 * 60_000;

/**
 * The safety net under every push: re-reads the last `reconcileWindowMs` of changes of a source and
 * queues only what no push, poll or earlier sweep queued. Why it can be this simple: events of the
 * same resource version have the same key whichever way they came, so the sweep adds nothing that
 * was handled. It does not move the cursor and has its own lock, so polls go on meanwhile.
 */
export async function reconcileSource(deps: PollSourceDeps, source: string, log: Logger): Promise<PollResult> {
  const token = await deps.lock.acquire(`sweep:${source}`, SWEEP_LOCK_MS);
  if (!token) return { outcome: 'skipped', why: 'another sweep of this source is running' };
  try {
    const nowMs = deps.now().getTime();
    const windows = sliceWindow(nowMs - deps.settings.reconcileWindowMs, nowMs, deps.settings.maxWindowMs);
    const read = await readWindows(deps, source, deps.typesFor(source), windows, log);
    await deps.counters.add(source, 'sweeps');
    await deps.counters.add(source, 'sweepEventsQueued', read.queued);
    // Anything a sweep queues was missed by push and poll: worth a warning, not just a count.
    const level = read.queued > 0 ? 'warn' : 'info';
    log[level]({ source, found: read.found, queued: read.queued }, 'reconciliation sweep finished');
    return { outcome: 'polled', found: read.found, queued: read.queued };
  } finally {
    await deps.lock.release(`sweep:${source}`, token);
  }
}
