import { createHash } from 'node:crypto';
import type { AuditEvent } from '@medplum/fhirtypes';
import { xhtmlNarrative } from '../shared/xhtml-narrative.js';
import { resourceOrigin } from './build-kt2-task.js';
import {
  KT2_AGENT_SOURCE,
  KT2_AUDIT_CREATE,
  KT2_AUDIT_KEY_SYSTEM,
  KT2_AUDIT_TYPE,
  KT2_ENTITY_TYPE,
  KT2_PROFILE,
} from './kt2-codes.js';

/** The KT2Task write being audited: the stored Task, its Patient in the store, and who wrote it. */
export interface Kt2AuditInput {
  /** `Task/<id>` in the Koppeltaal store. */
  task: string;
  /** `Patient/<id>` in the Koppeltaal store. */
  patient: string;
  invitationId: string;
  deviceId: string;
  recorded: string;
}

/**
 * The AuditEvent of one KT2Task write, conforming to KT2AuditEvent v0.8: type `rest` / create,
 * this application's Device as the agent, the observer and the `resource-origin`; the Task and
 * the Patient as entities (references only). Left out as the profile forbids: purposeOfEvent,
 * agent.name, agent.policy, entity.detail. Pure; the caller validates and writes it.
 */
export function buildKt2AuditEvent(input: Kt2AuditInput): AuditEvent {
  const device = { reference: `Device/${input.deviceId}`, type: 'Device' as const };
  return {
    resourceType: 'AuditEvent',
    meta: { profile: [KT2_PROFILE.auditEvent], tag: [{ system: KT2_AUDIT_KEY_SYSTEM, code: kt2AuditKey(input) }] },
    text: xhtmlNarrative(['Uitnodigingstaak voor een keuzehulp aangemaakt in Koppeltaal.']),
    extension: [resourceOrigin(input.deviceId)],
    type: KT2_AUDIT_TYPE,
    subtype: [KT2_AUDIT_CREATE],
    action: 'C',
    recorded: input.recorded,
    outcome: '0',
    agent: [{ type: { coding: [KT2_AGENT_SOURCE] }, who: device, requestor: true }],
    source: { observer: device },
    entity: [
      { what: { reference: input.task, type: 'Task' }, type: KT2_ENTITY_TYPE.systemObject },
      { what: { reference: input.patient, type: 'Patient' }, type: KT2_ENTITY_TYPE.person },
    ],
  };
}

/** The `If-None-Exist` of the audit record: its key as a tag, searchable on every FHIR server. */
export function kt2AuditQuery(input: Pick<Kt2AuditInput, 'invitationId' | 'task'>): string {
  return `_tag=${KT2_AUDIT_KEY_SYSTEM}|${kt2AuditKey(input)}`;
}

// R4's AuditEvent has no identifier: one key per (invitation, Task) makes a retried write find the first.
function kt2AuditKey(input: Pick<Kt2AuditInput, 'invitationId' | 'task'>): string {
  return createHash('sha256').update(`kt2-task-created|${input.invitationId}|${input.task}`).digest('hex').slice(0, 40);
}
