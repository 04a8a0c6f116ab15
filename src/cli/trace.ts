import type { AuditEvent, Task } from '@medplum/fhirtypes';
import type { Job, JobType } from 'bullmq';
import type { EpdClient } from '../epd/epd-client.js';
import type { EventJobData, InvitationJobData } from '../queue/job-types.js';
import { requestIdSearch } from '../shared/request-id.js';

/** Every state a job can be in: a trace shows finished work as well as work still to come. */
const ALL_STATES: JobType[] = [
  'waiting',
  'active',
  'delayed',
  'prioritized',
  'waiting-children',
  'completed',
  'failed',
];
/** Jobs are read in pages of this many; a page is one Redis round trip. */
const PAGE_SIZE = 500;

/** The part of a BullMQ queue a trace reads (a Queue, or a fake in tests). */
export interface JobSource<D> {
  getJobs(types: JobType[], start: number, end: number): Promise<(Job<D> | undefined)[]>;
  getJobState(jobId: string): Promise<string>;
}

/** One job on the path, with the fields that say where it went. */
export interface TracedJob {
  id: string;
  state: string;
  attemptsMade: number;
  failedReason?: string;
}

/** The path of one request: notification → event jobs → invitation jobs → Tasks (with their results) → AuditEvents. */
export interface RequestTrace {
  requestId: string;
  events: (TracedJob & { eventKey: string; reference: string; interaction: string })[];
  invitations: (TracedJob & { invitationId: string; keyMoment: string; recipientRole: string; focus: string })[];
  tasks: { reference: string; status: string; invitationId?: string; results: string[] }[];
  audits: { reference: string; subtype?: string; outcome?: string }[];
}

/**
 * Collects what one request id led to, from the queues (jobs still retained) and the EPD (Tasks and
 * AuditEvents tagged with it). References and ids only: no patient data is printed.
 */
export async function traceRequest(
  requestId: string,
  deps: { events: JobSource<EventJobData>; invitations: JobSource<InvitationJobData>; epd: EpdClient },
): Promise<RequestTrace> {
  const [eventJobs, invitationJobs, tasks, audits] = await Promise.all([
    jobsOf(deps.events, requestId),
    jobsOf(deps.invitations, requestId),
    deps.epd.search<Task>('Task', { _tag: requestIdSearch(requestId) }),
    deps.epd.search<AuditEvent>('AuditEvent', { _tag: requestIdSearch(requestId) }),
  ]);
  return {
    requestId,
    events: await Promise.all(
      eventJobs.map(async (job) => ({
        ...(await traced(deps.events, job)),
        eventKey: job.data.eventKey,
        reference: job.data.reference,
        interaction: job.data.interaction,
      })),
    ),
    invitations: await Promise.all(
      invitationJobs.map(async (job) => ({
        ...(await traced(deps.invitations, job)),
        invitationId: job.data.invitationId,
        keyMoment: job.data.keyMoment,
        recipientRole: job.data.recipient.role,
        focus: job.data.focus,
      })),
    ),
    tasks: tasks.map((task) => ({
      reference: `Task/${task.id}`,
      status: task.status,
      invitationId: task.identifier?.[0]?.value,
      results: (task.output ?? []).flatMap((o) => (o.valueReference?.reference ? [o.valueReference.reference] : [])),
    })),
    audits: audits.map((audit) => ({
      reference: `AuditEvent/${audit.id}`,
      subtype: audit.subtype?.[0]?.code,
      outcome: audit.outcome,
    })),
  };
}

/** The trace as lines for people, in the order the work happened. */
export function formatTrace(trace: RequestTrace): string[] {
  const job = (j: TracedJob) =>
    `${j.state}${j.attemptsMade > 1 ? `, ${j.attemptsMade} attempts` : ''}${j.failedReason ? `: ${j.failedReason}` : ''}`;
  const lines = [`request ${trace.requestId}`];
  lines.push(`  notification → ${trace.events.length} event job(s)`);
  for (const e of trace.events) lines.push(`    event ${e.id} (${job(e)}) ${e.interaction} ${e.reference}`);
  lines.push(`  → ${trace.invitations.length} invitation job(s)`);
  for (const i of trace.invitations) {
    lines.push(`    invitation ${i.id} (${job(i)}) ${i.keyMoment} for the ${i.recipientRole}, focus ${i.focus}`);
  }
  lines.push(`  → ${trace.tasks.length} Task(s) in the EPD`);
  for (const t of trace.tasks) {
    const results = t.results.length ? `; results ${t.results.join(', ')}` : '; no result yet';
    lines.push(`    ${t.reference} (${t.status}) invitation ${t.invitationId ?? '?'}${results}`);
  }
  lines.push(`  → ${trace.audits.length} AuditEvent(s)`);
  for (const a of trace.audits) lines.push(`    ${a.reference} ${a.subtype ?? '?'} (outcome ${a.outcome ?? '?'})`);
  if (!trace.events.length && !trace.invitations.length && !trace.tasks.length) {
    lines.push('  nothing found: the id is unknown, or its jobs are past their retention and it led to no Task');
  }
  return lines;
}

async function jobsOf<D extends { requestId?: string }>(source: JobSource<D>, requestId: string): Promise<Job<D>[]> {
  const found = new Map<string, Job<D>>(); // by id: a job that moves on while we read is listed once
  // State by state: BullMQ applies start and end to each state's list, so one page of several states has no fixed size.
  for (const state of ALL_STATES) {
    for (let start = 0; ; start += PAGE_SIZE) {
      const page = await source.getJobs([state], start, start + PAGE_SIZE - 1);
      for (const job of page) if (job?.data?.requestId === requestId) found.set(job.id ?? '', job);
      if (page.length < PAGE_SIZE) break;
    }
  }
  return [...found.values()];
}

async function traced<D>(source: JobSource<D>, job: Job<D>): Promise<TracedJob> {
  return {
    id: job.id ?? '?',
    state: await source.getJobState(job.id ?? ''),
    attemptsMade: job.attemptsMade,
    ...(job.failedReason ? { failedReason: job.failedReason } : {}),
  };
}
