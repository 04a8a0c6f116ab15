import type { JobType } from 'bullmq';
import type { Queues } from '../queue/create-queues.js';

/** How often to look at the queues while waiting. */
const POLL_MS = 100;

/**
 * Resolves when no job is waiting, active (or delayed, unless ignored) in any queue (checked twice in a row, since
 * an events job adds invitation jobs as it completes); rejects after `timeoutMs`.
 */
export async function waitForQueuesToDrain(
  queues: Queues,
  timeoutMs: number,
  options: { ignoreDelayed?: boolean } = {},
): Promise<void> {
  const states: JobType[] = [
    'waiting',
    'active',
    'prioritized',
    'waiting-children',
    ...(options.ignoreDelayed ? [] : (['delayed'] as const)),
  ];
  const deadline = Date.now() + timeoutMs;
  let quietChecks = 0;
  let counts: Record<string, number>[] = [];
  while (Date.now() < deadline) {
    counts = await Promise.all([queues.events, queues.invitations].map((q) => q.getJobCounts(...states)));
    const busy = counts.reduce((sum, c) => sum + Object.values(c).reduce((a, b) => a + b, 0), 0);
    quietChecks = busy === 0 ? quietChecks + 1 : 0;
    if (quietChecks >= 2) return;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  // Which jobs were left, so a failing test says where the work stopped.
  const left = ['events', 'invitations'].map(
    (name, i) =>
      `${name} ${JSON.stringify(Object.fromEntries(Object.entries(counts[i] ?? {}).filter(([, n]) => n > 0)))}`,
  );
  throw new Error(`queues still busy after ${timeoutMs} ms: ${left.join(', ')}`);
}
