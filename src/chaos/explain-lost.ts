import type { Job, JobType, Queue } from 'bullmq';
import type { EventJobResult } from '../events/event-job.js';
import type { InvitationJobResult } from '../decision-aids/invitation-job.js';
import type { EventJobData, InvitationJobData } from '../queue/job-types.js';

/** What became of the jobs behind one lost invitation, in words. */
export interface LostJobs {
  /** `Type/id|aid|recipient`, as the tally names a lost invitation. */
  key: string;
  events: string;
  invitation: string;
}

/** A job as far as the explanation needs it. Plain data, so the words are a pure function of it. */
export interface JobView<D, R> {
  state: JobType | 'unknown';
  data: D;
  attemptsMade: number;
  failedReason?: string;
  returnvalue?: R | null;
}

/** Every state a job can be found in after a run. */
const STATES: JobType[] = ['completed', 'failed', 'delayed', 'waiting', 'active', 'prioritized', 'waiting-children'];

/**
 * For each lost key, the state of its events job(s) and invitation job(s): completed (and what it
 * decided), failed (with its reason class), never queued, withdrawn, delayed. Why: a lost
 * invitation with no failed job leaves nothing to look at once the run is over; this says which
 * step let it go.
 */
export async function explainLost(
  queues: { events: Queue<EventJobData>; invitations: Queue<InvitationJobData> },
  lostKeys: readonly string[],
): Promise<LostJobs[]> {
  if (lostKeys.length === 0) return [];
  const [events, invitations] = await Promise.all([
    viewsOf<EventJobData, EventJobResult>(queues.events),
    viewsOf<InvitationJobData, InvitationJobResult>(queues.invitations),
  ]);
  return lostKeys.map((key) => {
    const [focus, aid, recipient] = key.split('|');
    const eventJobs = events.filter((job) => job.data.reference === focus);
    const invitationJobs = invitations.filter(
      (job) =>
        withoutVersion(job.data.focus) === focus &&
        job.data.decisionAidId === aid &&
        job.data.recipient.reference === recipient,
    );
    return {
      key,
      events: eventJobs.map(describeEventJob).join('; ') || 'never queued',
      invitation: invitationJobs.map(describeInvitationJob).join('; ') || 'never queued',
    };
  });
}

/** An events job in words. Pure. */
export function describeEventJob(job: JobView<EventJobData, EventJobResult>): string {
  if (job.state !== 'completed') return describeUnfinished(job);
  const result = job.returnvalue;
  if (!result) return 'completed';
  if (result.cancelledWaiting !== undefined)
    return `completed: withdrawn path (${result.cancelledWaiting} waiting cancelled)`;
  const skipped = result.skipped.map((s) => `${s.triggerId} ${s.code ?? reasonClass(s.reason)}`);
  return [
    `completed: ${result.invitations.length} invitation(s) planned`,
    ...(skipped.length ? [`skipped ${skipped.join(', ')}`] : []),
    ...(result.objection ? ['objection'] : []),
  ].join(', ');
}

/** An invitation job in words. Pure. */
export function describeInvitationJob(job: JobView<InvitationJobData, InvitationJobResult>): string {
  if (job.state !== 'completed') return describeUnfinished(job);
  const result = job.returnvalue;
  if (result?.withdrawn) return `completed: withdrawn path taken (${result.withdrawn}), no Task`;
  return result
    ? `completed: Task ${result.created ? 'written' : 'found'}${result.onHold ? ', on hold' : ''}`
    : 'completed';
}

function describeUnfinished(job: JobView<unknown, unknown>): string {
  const attempts = `${job.attemptsMade} attempt(s)`;
  if (job.state === 'failed') return `failed after ${attempts}: ${reasonClass(job.failedReason ?? '')}`;
  if (job.state === 'delayed')
    return job.attemptsMade ? `delayed (retry after ${attempts})` : 'delayed (reflection time)';
  return `${job.state} (${attempts})`;
}

/** The kind of a failure, without ids or texts: an HTTP status, else the first words. */
export function reasonClass(reason: string): string {
  const status = /HTTP (\d{3})/.exec(reason)?.[1];
  if (status) return `HTTP ${status}`;
  return (
    reason
      .split(/[:(]/)[0]!
      .replace(/\b[A-Z][A-Za-z]+\/[^\s/]+/g, 'Type/…')
      .trim()
      .slice(0, 80) || 'unknown'
  );
}

async function viewsOf<D, R>(queue: Queue<D>): Promise<JobView<D, R>[]> {
  const views: JobView<D, R>[] = [];
  for (const state of STATES) {
    const jobs = (await queue.getJobs([state], 0, -1)) as (Job<D, R> | undefined)[];
    for (const job of jobs) {
      if (!job) continue; // removed between the listing and the read
      views.push({
        state,
        data: job.data,
        attemptsMade: job.attemptsMade,
        ...(job.failedReason ? { failedReason: job.failedReason } : {}),
        returnvalue: job.returnvalue,
      });
    }
  }
  return views;
}

function withoutVersion(reference: string): string {
  return reference.split('/_history/')[0] ?? reference;
}
