import type { Extension, Task } from '@medplum/fhirtypes';
import { INVITATION_ID_SYSTEM } from '../decision-aids/invitation-task-codes.js';
import type { DecisionAid } from '../rules/types.js';
import { KT2_PROFILE, RESOURCE_ORIGIN_URL } from './kt2-codes.js';

/** What a KT2Task is made of: the invitation, its aid, the Patient in the Koppeltaal store, and who writes it. */
export interface Kt2TaskInput {
  invitationId: string;
  aid: Pick<DecisionAid, 'title' | 'activityDefinition'>;
  /** `Patient/<id>` in the Koppeltaal store (not the EPD's id). */
  patient: string;
  /** ready when the invitation can be started; on-hold while the care team's Task waits. */
  status: 'ready' | 'on-hold';
  /** This application's Device in the store. */
  deviceId: string;
  now: string;
}

/**
 * The Task the Koppeltaal store gets for one invitation, conforming to KT2Task v0.8: it instantiates
 * the aid's ActivityDefinition (canonical), is for and owned by the patient, carries the
 * `resource-origin` of this application and the invitation id as identifier (the conditional
 * create's key). What the profile forbids is left out on purpose: basedOn, focus, reasonCode,
 * input, output, statusReason, businessStatus, restriction — the EPD's own Task keeps those. No
 * name, birth date or link travels in it. Pure; the caller validates and writes it.
 */
export function buildKt2Task(input: Kt2TaskInput): Task {
  return {
    resourceType: 'Task',
    meta: { profile: [KT2_PROFILE.task] },
    extension: [resourceOrigin(input.deviceId)],
    identifier: [{ system: INVITATION_ID_SYSTEM, value: input.invitationId }],
    instantiatesCanonical: input.aid.activityDefinition,
    status: input.status,
    intent: 'order',
    priority: 'routine', // fixed by the profile
    description: `Keuzehulp '${input.aid.title}'`,
    for: { reference: input.patient, type: 'Patient' },
    authoredOn: input.now,
    lastModified: input.now,
    owner: { reference: input.patient, type: 'Patient' },
  };
}

/** `resource-origin`: the Device (application) that wrote the resource, as KT2 requires of every writer. */
export function resourceOrigin(deviceId: string): Extension {
  return { url: RESOURCE_ORIGIN_URL, valueReference: { reference: `Device/${deviceId}`, type: 'Device' } };
}

/** The `If-None-Exist` of a KT2Task: the invitation id, so a retried or replayed job writes it once. */
export function kt2TaskQuery(invitationId: string): string {
  return `identifier=${INVITATION_ID_SYSTEM}|${encodeURIComponent(invitationId)}`;
}
