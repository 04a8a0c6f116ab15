import type { JobHandler } from '../queue/create-worker.js';
import type { ResultJobData } from '../queue/job-types.js';
import { recordResultAudit, type AuditDeps } from './record-audit.js';

/**
 * Wraps the results job so every result it writes leaves one AuditEvent, after the write. Why a
 * wrapper and not a call inside the job: the audit trail is this module's concern and the results
 * job stays as it is; the record's key is the job's `resultKey`, so a retried job (the result write
 * is idempotent too) finds the record it wrote before. An audit write that fails fails the job,
 * which is then retried: a result is never recorded without its AuditEvent for long.
 * The record names what the invitation Task's output names: the responses, and the scores written
 * in place of a response the storage policy keeps out of the record.
 * Failed result writes are not recorded here: their messages may quote answers.
 */
export function withResultAudit<R extends { outputs: string[] }>(
  handler: JobHandler<ResultJobData, R>,
  deps: AuditDeps,
  titleOf: (decisionAidId: string) => string | undefined = () => undefined,
): JobHandler<ResultJobData, R> {
  return async function auditedResultJob(job, ctx) {
    const result = await handler(job, ctx);
    const title = titleOf(job.decisionAidId);
    const audit = await recordResultAudit(deps, {
      resultKey: job.resultKey,
      patient: job.patient,
      task: job.task,
      invitationId: job.invitationId,
      ...(title ? { decisionAidTitle: title } : {}),
      written: result.outputs,
      writtenAt: job.receivedAt,
      ...(job.requestId ? { requestId: job.requestId } : {}),
    });
    ctx.log.info(
      { invitationId: job.invitationId, auditEventId: audit.auditEventId, created: audit.created },
      'result audited',
    );
    return result;
  };
}
