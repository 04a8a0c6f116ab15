import type { JobContext } from '../queue/create-worker.js';
import type { PollJobData } from '../queue/job-types.js';
import { checkGap } from '../gaps/gap-check.js';
import { checkHeartbeats, type HeartbeatCheckDeps } from '../gaps/gap-heartbeat.js';
import { pollSource, type PollResult } from './poll-source.js';
import { reconcileSource } from './reconcile-sweep.js';

/** Everything the `poll` queue's jobs need; all I/O comes in here. */
export type PollJobDeps = HeartbeatCheckDeps;

/**
 * The handler of the `poll` queue: a cursor poll (on its schedule, or asked for by an empty ping),
 * a reconciliation sweep, a gap check after the grace period, or a heartbeat check. A source that
 * is no longer configured is skipped, so an old scheduler left in Redis does no harm.
 */
export function createPollJob(deps: PollJobDeps & { knownSources: () => ReadonlySet<string> }) {
  return async function pollJob(data: PollJobData, ctx: JobContext): Promise<PollResult> {
    if (!deps.knownSources().has(data.source)) {
      ctx.log.warn({ source: data.source, reason: data.reason }, 'poll job for an unknown source skipped');
      return { outcome: 'skipped', why: 'source not configured' };
    }
    switch (data.reason) {
      case 'reconcile':
        return reconcileSource(deps, data.source, ctx.log);
      case 'gap':
        return checkGap(deps, data, ctx.log);
      case 'heartbeat':
        return checkHeartbeats(deps, data.source, ctx.log);
      default:
        return pollSource(deps, data, ctx.log);
    }
  };
}
