import type { Task } from '@medplum/fhirtypes';
import type { EpdClient } from '../epd/epd-client.js';
import type { JobContext } from '../queue/create-worker.js';
import type { InvitationJobData } from '../queue/job-types.js';
import type { CompiledMappings } from '../rules/compile-mappings.js';
import { AppError } from '../shared/errors.js';
import { recordInvitationAudit, type AuditDeps } from '../audit/record-audit.js';
import { buildInvitationTask, invitationLinkOf } from './build-invitation-task.js';
import { readWithdrawal, withdrawnStatusReason, type Withdrawal } from './change-withdrawn.js';
import { contactHold } from './contact-hold.js';
import { resolveRecipient } from './contact-recipient.js';
import { buildNoRepresentativeTask } from './no-representative-task.js';
import { DecisionAidError } from './decision-aid-error.js';
import { subjectPseudonym, type CreatedInvitation, type InvitationAdapter } from './invitation-adapter.js';
import { findInvitationTask, isSettled, onHold, replaceTask, writeRequestedTask } from './invitation-task-writes.js';
import { platformHold, type PlatformHoldReason } from './platform-hold.js';
import type { DecisionAid } from '../rules/types.js';

/** What the invitations job needs from the outside world. */
export interface InvitationJobDeps {
  epd: EpdClient;
  getMappings: () => CompiledMappings;
  adapterFor: (aid: DecisionAid) => InvitationAdapter;
  pseudonymSecret: string;
  /** The secret contact keys are made with (the invitation id secret, as in the events job): finds a Patient.contact recipient again. */
  contactKeySecret: string;
  now: () => Date;
  /** Where the AuditEvent of each invitation goes (NEN 7513 trail). */
  audit: AuditDeps;
  /**
   * Writes the invitation to the Koppeltaal store (KT2Task + KT2AuditEvent) for an aid with
   * `koppeltaal: true`; absent when no store is configured (such an aid then fails the job).
   */
  koppeltaal?: KoppeltaalWrite;
  /** Counts an invitation recorded on hold because the recipient cannot be reached (metrics). */
  countOnHold?: (job: InvitationJobData) => void;
}

/** Writes one delivered invitation to the Koppeltaal store; idempotent on the invitation id. */
export type KoppeltaalWrite = (input: {
  job: InvitationJobData;
  aid: DecisionAid;
  epdTask: Task;
}) => Promise<{ taskId: string; auditEventId: string }>;

/** The job's result: which Task records the invitation, and whether this attempt wrote it. */
export interface InvitationJobResult {
  taskId: string;
  created: boolean;
  /** True when the recipient has no usable contact channel and the Task waits for the care team. */
  onHold?: boolean;
  /** Set when the change was withdrawn during the reflection time: nobody was invited. */
  withdrawn?: NonNullable<Withdrawal>;
  auditEventId?: string;
  /** The KT2Task in the Koppeltaal store, for a Koppeltaal aid. */
  koppeltaalTaskId?: string;
}

/**
 * Records the invitation in the EPD, then creates it at the platform, then completes the record.
 * Why in this order: a family is never invited while the care team sees nothing. The Task is
 * written `requested` first (conditional create on the invitation id), the platform is called with
 * the invitation id as `Idempotency-Key`, and the Task becomes `ready` with the link (`If-Match`).
 * Every step is idempotent on the invitation id, so a retried or replayed job finishes what an
 * earlier attempt started and writes nothing twice.
 */
export function createInvitationJob(deps: InvitationJobDeps) {
  return async function invitationJob(job: InvitationJobData, ctx: JobContext): Promise<InvitationJobResult> {
    const aid = deps.getMappings().decisionAids.get(job.decisionAidId);
    if (!aid) {
      throw new AppError(`decision aid "${job.decisionAidId}" is no longer in the mapping files`, {
        status: 422,
        retry: false,
      });
    }
    const withdrawal = await readWithdrawal(deps.epd, job.focus);
    if (withdrawal) return cancelWithdrawn(deps, job, withdrawal, ctx);
    if (job.noRepresentative) return recordNoRepresentative(deps, job, aid, ctx);
    const now = () => deps.now().toISOString();
    const recipient = await resolveRecipient(deps.epd, job, deps.contactKeySecret, aid.delivery.type, now());
    const { channel, contained } = recipient;
    const requested = buildInvitationTask(job, aid, undefined, now(), undefined, contained);
    const { task: stored, created } = await writeRequestedTask(deps.epd, requested, job.invitationId);
    if (isSettled(stored)) {
      // Delivered by an earlier attempt: its AuditEvent may be what that attempt did not get to write.
      const audit = invitationLinkOf(stored)
        ? await recordInvitationAudit(deps.audit, { job, aid, task: stored })
        : undefined;
      const kt2 = audit ? await writeKoppeltaal(deps, job, aid, stored) : undefined;
      ctx.log.info({ invitationId: job.invitationId, taskId: stored.id }, 'invitation already recorded');
      return {
        taskId: stored.id,
        created: false,
        onHold: stored.status === 'on-hold',
        ...(audit ? { auditEventId: audit.auditEventId } : {}),
        ...(kt2 ? { koppeltaalTaskId: kt2.taskId } : {}),
      };
    }
    const invitation = await inviteOrHold(deps, job, aid, stored, ctx);
    const hold = contactHold(aid.delivery.type, channel);
    const task = await replaceTask(deps.epd, stored, buildInvitationTask(job, aid, invitation, now(), hold, contained));
    // After the Task, so the trail only shows what is in the record; a retry finds the record it wrote.
    const audit = await recordInvitationAudit(deps.audit, { job, aid, task });
    // Last: the care team's Task and trail are in the EPD whatever the Koppeltaal store answers.
    const kt2 = await writeKoppeltaal(deps, job, aid, task);
    if (!channel.usable) {
      ctx.log.warn(
        { invitationId: job.invitationId, reason: channel.reason },
        'invitation recorded on hold: no usable contact channel',
      );
      if (created) deps.countOnHold?.(job);
    }
    ctx.log.info(
      {
        invitationId: job.invitationId,
        triggerId: job.triggerId,
        keyMoment: job.keyMoment,
        taskId: task.id,
        created,
        auditEventId: audit.auditEventId,
        ...(kt2 ? { koppeltaalTaskId: kt2.taskId } : {}),
      },
      'invitation recorded',
    );
    return {
      taskId: task.id,
      created,
      onHold: task.status === 'on-hold',
      auditEventId: audit.auditEventId,
      ...(kt2 ? { koppeltaalTaskId: kt2.taskId } : {}),
    };
  };
}

/** The KT2Task of a Koppeltaal aid; nothing for other aids. No configured store fails the job for good. */
async function writeKoppeltaal(
  deps: InvitationJobDeps,
  job: InvitationJobData,
  aid: DecisionAid,
  epdTask: Task,
): Promise<{ taskId: string; auditEventId: string } | undefined> {
  // A Task the care team closed, completed or cancelled is not offered in Koppeltaal any more.
  if (!aid.koppeltaal || (epdTask.status !== 'ready' && epdTask.status !== 'on-hold')) return undefined;
  if (!deps.koppeltaal)
    throw new AppError(`decision aid "${aid.id}" has koppeltaal: true, but no Koppeltaal store is configured`, {
      status: 500,
      retry: false,
      code: 'not-supported',
    });
  return deps.koppeltaal({ job, aid, epdTask });
}

/**
 * A child without anyone who may be invited: one on-hold Task for the care team (conditional create
 * on the invitation id, so a replayed or polled change writes no second one), no platform call.
 * No AuditEvent: nothing about the patient left the hospital, and the Task itself is the record.
 */
async function recordNoRepresentative(
  deps: InvitationJobDeps,
  job: InvitationJobData,
  aid: DecisionAid,
  ctx: JobContext,
): Promise<InvitationJobResult> {
  const task = buildNoRepresentativeTask(job, aid, deps.now().toISOString());
  const { task: stored, created } = await writeRequestedTask(deps.epd, task, job.invitationId);
  if (created) deps.countOnHold?.(job);
  ctx.log.info(
    { invitationId: job.invitationId, triggerId: job.triggerId, taskId: stored.id, created },
    'no representative: on-hold Task recorded',
  );
  return { taskId: stored.id, created, onHold: stored.status === 'on-hold' };
}

/**
 * Creates the invitation at the platform. When that ends without a link for good (an answer without
 * a usable link, a refusal, or the last attempt failing), the Task goes on hold with the reason
 * before the error is thrown: the care team sees it, and a replay of the job makes it ready.
 */
async function inviteOrHold(
  deps: InvitationJobDeps,
  job: InvitationJobData,
  aid: DecisionAid,
  stored: Task & { id: string },
  ctx: JobContext,
): Promise<CreatedInvitation> {
  try {
    return await deps.adapterFor(aid).createInvitation({
      invitationId: job.invitationId,
      decisionAid: aid,
      keyMoment: job.keyMoment,
      recipientRole: job.recipient.role,
      subjectPseudonym: subjectPseudonym(job.patient, aid.id, deps.pseudonymSecret),
    });
  } catch (err) {
    const reason = holdReasonOf(err, ctx);
    if (reason) {
      await replaceTask(deps.epd, stored, onHold(stored, platformHold(reason), deps.now().toISOString()));
      ctx.log.warn({ invitationId: job.invitationId, taskId: stored.id, reason }, 'invitation Task put on hold');
    }
    throw err;
  }
}

/** Why a platform failure puts the Task on hold now; undefined while another attempt may still work. */
function holdReasonOf(err: unknown, ctx: JobContext): PlatformHoldReason | undefined {
  if (err instanceof DecisionAidError && err.linkMissing) return 'no-usable-link';
  if (err instanceof AppError && !err.retry) return 'platform-refused';
  return ctx.attempt >= ctx.maxAttempts ? 'platform-unreachable' : undefined;
}

/**
 * The change was deleted, cancelled or entered in error during the reflection time: nobody is
 * invited. A Task an earlier attempt wrote (still without a link) is cancelled with the reason.
 */
async function cancelWithdrawn(
  deps: InvitationJobDeps,
  job: InvitationJobData,
  withdrawal: NonNullable<Withdrawal>,
  ctx: JobContext,
): Promise<InvitationJobResult> {
  const stored = await findInvitationTask(deps.epd, job.invitationId);
  if (stored && !isSettled(stored)) {
    const now = deps.now().toISOString();
    const statusReason = withdrawnStatusReason(withdrawal);
    await replaceTask(deps.epd, stored, { ...stored, status: 'cancelled', statusReason, lastModified: now });
  }
  ctx.log.info({ invitationId: job.invitationId, withdrawal }, 'invitation withdrawn: change no longer stands');
  return { taskId: stored?.id ?? '', created: false, withdrawn: withdrawal };
}
