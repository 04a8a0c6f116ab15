import type { Queues } from '../queue/create-queues.js';
import { countInvitation, type Metrics } from '../shared/metrics.js';
import type { PlannedInvitation } from './event-job.js';

/**
 * Adds the planned invitations with their deterministic ids and reflection delays; counts them as
 * queued, except the on-hold Tasks for "no representative" (already counted as that skip).
 */
export async function enqueueInvitations(
  queues: Pick<Queues, 'invitations'>,
  planned: PlannedInvitation[],
  metrics?: Metrics,
): Promise<void> {
  if (planned.length === 0) return;
  await queues.invitations.addBulk(
    planned.map((p) => ({ name: p.data.keyMoment, data: p.data, opts: { jobId: p.jobId, delay: p.delayMs } })),
  );
  if (metrics) for (const p of planned) if (!p.data.noRepresentative) countInvitation(metrics, p.data, 'queued');
}
