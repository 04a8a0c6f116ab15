import type { AuditEvent } from '@medplum/fhirtypes';
import type { EpdClient } from '../epd/epd-client.js';
import { assertValidResource } from '../shared/fhir-definitions.js';
import {
  auditEventQuery,
  auditKeyOf,
  buildInvitationAuditEvent,
  buildResultAuditEvent,
  type AuditSource,
  type InvitationAuditInput,
  type ResultAuditInput,
} from './build-audit-event.js';
import { assertAuditCodes } from './check-audit-codes.js';

export type { AuditSource, InvitationAuditInput, ResultAuditInput } from './build-audit-event.js';

/** Where and as whom audit records are written: the EPD (or AUDIT_BASE_URL's FHIR server), this installation's name, a clock. */
export interface AuditDeps {
  client: EpdClient;
  source: AuditSource;
  now: () => Date;
}

/** The stored audit record, and whether this call wrote it (false: a retry found the earlier one). */
export interface AuditRecord {
  auditEventId: string;
  created: boolean;
}

/**
 * Records that an invitation was sent: call after the invitation Task is written. Safe to call on
 * every retry of the job; the conditional create on the record's key writes it once.
 */
export function recordInvitationAudit(deps: AuditDeps, input: InvitationAuditInput): Promise<AuditRecord> {
  return write(deps, buildInvitationAuditEvent(deps.source, input, deps.now().toISOString()));
}

/**
 * Records that a result (QuestionnaireResponse, Observations, the completed Task) was written, or
 * failed to be (`failure`). For the results job: call after its write, with a `resultKey` that stays
 * the same over retries of that write, so the record is written once.
 */
export function recordResultAudit(deps: AuditDeps, input: ResultAuditInput): Promise<AuditRecord> {
  return write(deps, buildResultAuditEvent(deps.source, input, deps.now().toISOString()));
}

async function write(deps: AuditDeps, event: AuditEvent): Promise<AuditRecord> {
  const checked = assertValidResource(assertAuditCodes(event));
  const { resource, created } = await deps.client.createIfNoneExist(
    checked,
    auditEventQuery(auditKeyOf(checked) ?? ''),
  );
  return { auditEventId: resource.id ?? '', created };
}
