import type { Task } from '@medplum/fhirtypes';
import type { EpdClient } from '../epd/epd-client.js';
import type { JobContext } from '../queue/create-worker.js';
import type { InvitationJobData } from '../queue/job-types.js';
import type { CompiledMappings } from '../rules/compile-mappings.js';
import { AppError } from '../shared/errors.js';
import { assertValidResource } from '../shared/fhir-definitions.js';
import { recordInvitationAudit, type AuditDeps } from '../audit/record-audit.js';
import { buildInvitationTask, invitationTaskQuery } from './build-invitation-task.js';
import { checkRecipientContact, contactHold } from './contact-hold.js';
import { subjectPseudonym, type InvitationAdapter } from './invitation-adapter.js';
import type { DecisionAid } from '../rules/types.js';

/** What the invitations job needs from the outside world. */
export interface InvitationJobDeps {
  epd: EpdClient;
  getMappings: () => CompiledMappings;
  adapterFor: (aid: DecisionAid) => InvitationAdapter;
  pseudonymSecret: string;
  now: () => Date;
  /** Where the AuditEvent of each invitation goes (NEN 7513 trail). */
  audit: AuditDeps;
  /** Counts an invitation recorded on hold because the recipient cannot be reached (metrics). */
  countOnHold?: (job: InvitationJobData) => void;
}

/** The job's result: which Task records the invitation, and whether this attempt wrote it. */
export interface InvitationJobResult {
  taskId: string;
  created: boolean;
  /** True when the recipient has no usable contact channel and the Task waits for the care team. */
  onHold?: boolean;
  auditEventId?: string;
}

/**
 * Creates the invitation at the decision-aid platform, then records it in the EPD as a Task.
 * Both steps are idempotent on the invitation id (an `Idempotency-Key` at the platform, a
 * conditional create in the EPD), so a job retried after either step fails writes nothing twice.
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
    const channel = await checkRecipientContact(
      deps.epd,
      job.recipient.reference,
      aid.delivery.type,
      deps.now().toISOString(),
    );
    const invitation = await deps.adapterFor(aid).createInvitation({
      invitationId: job.invitationId,
      decisionAid: aid,
      keyMoment: job.keyMoment,
      recipientRole: job.recipient.role,
      subjectPseudonym: subjectPseudonym(job.patient, aid.id, deps.pseudonymSecret),
    });
    const hold = contactHold(aid.delivery.type, channel);
    const task = assertValidResource(buildInvitationTask(job, aid, invitation, deps.now().toISOString(), hold));
    const { resource, created } = await deps.epd.createIfNoneExist<Task>(task, invitationTaskQuery(job.invitationId));
    // After the Task, so the trail only shows what is in the record; a retry finds the record it wrote.
    const audit = await recordInvitationAudit(deps.audit, { job, aid, task: resource });
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
        taskId: resource.id,
        created,
        auditEventId: audit.auditEventId,
      },
      created ? 'invitation recorded' : 'invitation already recorded',
    );
    return {
      taskId: resource.id ?? '',
      created,
      onHold: resource.status === 'on-hold',
      auditEventId: audit.auditEventId,
    };
  };
}
