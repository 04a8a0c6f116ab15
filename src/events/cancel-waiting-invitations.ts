import type { Job, Queue } from 'bullmq';
import type { InvitationJobData } from '../queue/job-types.js';

/** Delayed jobs are read in pages of this many; a page is one Redis round trip. */
const PAGE_SIZE = 500;

/**
 * Removes the invitations still waiting out their reflection time for a change (`Type/id`, any
 * version) that was deleted, cancelled or entered in error. All pages are read before any job is
 * removed: removing shifts the list, so paging while removing would skip jobs. A job that starts
 * meanwhile is no loss: the invitation job itself reads the change first and invites nobody.
 */
export async function cancelWaitingInvitations(queue: Queue<InvitationJobData>, reference: string): Promise<number> {
  const waiting: Job<InvitationJobData>[] = [];
  for (let start = 0; ; start += PAGE_SIZE) {
    const page = await queue.getDelayed(start, start + PAGE_SIZE - 1);
    for (const job of page) if (job && isAbout(job.data.focus, reference)) waiting.push(job);
    if (page.length < PAGE_SIZE) break;
  }
  let removed = 0;
  for (const job of waiting) {
    // A job that became active in between cannot be removed; its own check stops it.
    removed += await job.remove().then(
      () => 1,
      () => 0,
    );
  }
  return removed;
}

function isAbout(focus: string, reference: string): boolean {
  return focus === reference || focus.startsWith(`${reference}/_history/`);
}
