import { createHash } from 'node:crypto';
import type {
  AuditEvent,
  AuditEventAgent,
  AuditEventEntity,
  Coding,
  Reference,
  ResourceType,
  Task,
} from '@medplum/fhirtypes';
import {
  INVITATION_ID_SYSTEM,
  KEY_MOMENT_DISPLAY,
  KEY_MOMENT_SYSTEM,
  RECIPIENT_ROLE_DISPLAY,
} from '../decision-aids/invitation-task-codes.js';
import type { InvitationJobData } from '../queue/job-types.js';
import { requestIdTag } from '../shared/request-id.js';
import { xhtmlNarrative } from '../shared/xhtml-narrative.js';
import type { DecisionAid, KeyMoment } from '../rules/types.js';
import { AUDIT_CODES, AUDIT_OUTCOMES, AUDIT_SYSTEMS } from './audit-codes.js';

/** Who writes the audit trail: the name this installation gives itself, and optionally its site (hospital, location). */
export interface AuditSource {
  sourceId: string;
  site?: string;
}

/** An invitation as the audit trail records it: the job, its aid, and the Task as stored in the EPD. */
export interface InvitationAuditInput {
  job: InvitationJobData;
  aid: DecisionAid;
  task: Task;
}

/** A result write as the audit trail records it. References only: no answers, no names. */
export interface ResultAuditInput {
  /** Stable over retries of the same write, e.g. the QuestionnaireResponse identifier value: the record's key. */
  resultKey: string;
  /** `Patient/id` */
  patient: string;
  /** `Task/id` of the invitation the result answers, when known. */
  task?: string;
  invitationId?: string;
  keyMoment?: KeyMoment;
  triggerId?: string;
  /** The decision aid's title, for the platform agent. */
  decisionAidTitle?: string;
  /** References of what was written (QuestionnaireResponse, Observations, ...). */
  written: string[];
  /** ISO 8601 instant of the write. */
  writtenAt: string;
  /** Set when the write failed permanently: recorded as a serious failure with this description. */
  failure?: string;
  /** The request that posted the result: tagged on the record so `sdm-bridge trace` finds it. */
  requestId?: string;
}

/**
 * The deterministic key of an audit record: a hash of what happened to what. R4's AuditEvent has
 * no `identifier`, and `entity:identifier` searches are not supported everywhere, so the key
 * travels as a `meta.tag` (searchable with `_tag` on every FHIR server) and is the condition of
 * the conditional create: a retried job finds the record it wrote before.
 */
export function auditKey(kind: 'invitation-sent' | 'result-written', naturalKey: string): string {
  return createHash('sha256').update(`${kind}|${naturalKey}`).digest('hex').slice(0, 40);
}

/** The AuditEvent for one invitation recorded in the EPD (pure; the caller checks and writes it). */
export function buildInvitationAuditEvent(
  source: AuditSource,
  input: InvitationAuditInput,
  recorded: string,
): AuditEvent {
  const { job, aid, task } = input;
  const onHold = task.status === 'on-hold';
  const description =
    `Uitnodiging voor keuzehulp '${aid.title}' vastgelegd voor ${RECIPIENT_ROLE_DISPLAY[job.recipient.role]} bij ${KEY_MOMENT_DISPLAY[job.keyMoment]} ` +
    `(trigger ${job.triggerId})${onHold ? `; taak in wacht: ${task.statusReason?.text ?? 'geen bruikbaar contactkanaal'}` : ''}.`;
  const platform: AuditEventAgent[] =
    aid.delivery.type === 'http-api' ? [platformAgent(AUDIT_CODES.destination, aid.title, aid.delivery.url)] : [];
  return {
    ...header(auditKey('invitation-sent', job.invitationId), AUDIT_CODES.invitationSent, description, job.requestId),
    period: { start: task.authoredOn ?? recorded, end: recorded },
    recorded,
    outcome: AUDIT_OUTCOMES.success,
    outcomeDesc: description,
    purposeOfEvent: purposes(job.keyMoment),
    agent: [serviceAgent(source, job.triggerId), recipientAgent(job.recipient), ...platform],
    source: auditSource(source),
    entity: [
      patientEntity(job.patient),
      resourceEntity(`Task/${task.id ?? '?'}`, AUDIT_CODES.created, 'uitnodigingstaak', {
        system: INVITATION_ID_SYSTEM,
        value: job.invitationId,
      }),
      resourceEntity(job.focus, AUDIT_CODES.used, 'aanleiding: de wijziging in het dossier'),
    ],
  };
}

/** The AuditEvent for one result written into the EPD (pure; the caller checks and writes it). */
export function buildResultAuditEvent(source: AuditSource, input: ResultAuditInput, recorded: string): AuditEvent {
  const moment = input.keyMoment ? ` bij ${KEY_MOMENT_DISPLAY[input.keyMoment]}` : '';
  const trigger = input.triggerId ? ` (trigger ${input.triggerId})` : '';
  const description = input.failure
    ? `Resultaat keuzehulp${moment}${trigger} niet vastgelegd: ${input.failure}`
    : `Resultaat keuzehulp${moment}${trigger} vastgelegd: ${input.written.length} ${input.written.length === 1 ? 'gegeven' : 'gegevens'}.`;
  const platform = input.decisionAidTitle ? [platformAgent(AUDIT_CODES.origin, input.decisionAidTitle)] : [];
  const task = input.task
    ? [
        resourceEntity(
          input.task,
          AUDIT_CODES.amended,
          'uitnodigingstaak',
          input.invitationId ? { system: INVITATION_ID_SYSTEM, value: input.invitationId } : undefined,
        ),
      ]
    : [];
  return {
    ...header(auditKey('result-written', input.resultKey), AUDIT_CODES.resultWritten, description, input.requestId),
    period: { start: input.writtenAt, end: recorded },
    recorded,
    outcome: input.failure ? AUDIT_OUTCOMES.seriousFailure : AUDIT_OUTCOMES.success,
    outcomeDesc: description,
    purposeOfEvent: purposes(input.keyMoment),
    agent: [serviceAgent(source, input.triggerId), ...platform],
    source: auditSource(source),
    entity: [
      patientEntity(input.patient),
      ...task,
      ...input.written.map((ref) => resourceEntity(ref, AUDIT_CODES.created, 'resultaat')),
    ],
  };
}

/** The `If-None-Exist` of an audit record's conditional create. */
export function auditEventQuery(key: string): string {
  return `_tag=${AUDIT_SYSTEMS.recordKey}|${key}`;
}

/** The key `buildInvitationAuditEvent` / `buildResultAuditEvent` put on a record. */
export function auditKeyOf(event: AuditEvent): string | undefined {
  return event.meta?.tag?.find((tag) => tag.system === AUDIT_SYSTEMS.recordKey)?.code;
}

function header(
  key: string,
  subtype: Coding,
  description: string,
  requestId?: string,
): Pick<AuditEvent, 'resourceType' | 'meta' | 'text' | 'type' | 'subtype' | 'action'> {
  return {
    resourceType: 'AuditEvent',
    meta: { tag: [{ system: AUDIT_SYSTEMS.recordKey, code: key }, ...(requestId ? [requestIdTag(requestId)] : [])] },
    text: xhtmlNarrative([description]),
    type: AUDIT_CODES.patientRecord,
    subtype: [subtype],
    action: 'C',
  };
}

// Why: treatment is the purpose of use; the key moment says which step of the care path led to it.
function purposes(keyMoment: KeyMoment | undefined): AuditEvent['purposeOfEvent'] {
  const moment = keyMoment
    ? [{ coding: [{ system: KEY_MOMENT_SYSTEM, code: keyMoment, display: KEY_MOMENT_DISPLAY[keyMoment] }] }]
    : [];
  return [{ coding: [AUDIT_CODES.treatment] }, ...moment];
}

/** The service, acting on the hospital's behalf; `policy` names the mapping-file trigger that made it act. */
function serviceAgent(source: AuditSource, triggerId: string | undefined): AuditEventAgent {
  return {
    type: { coding: [AUDIT_CODES.application] },
    who: { identifier: { system: AUDIT_SYSTEMS.sourceId, value: source.sourceId }, display: 'sdm-bridge' },
    requestor: true,
    ...(triggerId ? { policy: [`${AUDIT_SYSTEMS.triggerPolicy}${encodeURIComponent(triggerId)}`] } : {}),
  };
}

function recipientAgent(recipient: InvitationJobData['recipient']): AuditEventAgent {
  // A parent known only as a Patient.contact has no resource of its own to point at (the Task contains it).
  const who = recipient.contact
    ? {
        type: 'RelatedPerson' as const,
        display: 'ouder of vertegenwoordiger, contactpersoon bij de patiënt (Patient.contact)',
      }
    : { reference: recipient.reference, type: typeOf(recipient.reference) };
  return { type: { coding: [AUDIT_CODES.informationRecipient] }, who, requestor: false };
}

/** A decision-aid platform by title, with its host when it was called over the network. */
function platformAgent(role: Coding, title: string, url?: string): AuditEventAgent {
  const host = url ? new URL(url).host : undefined;
  return {
    type: { coding: [role] },
    who: { display: title },
    requestor: false,
    ...(host ? { network: { address: host, type: '1' } } : {}),
  };
}

function auditSource(source: AuditSource): AuditEvent['source'] {
  return {
    ...(source.site ? { site: source.site } : {}),
    observer: { identifier: { system: AUDIT_SYSTEMS.sourceId, value: source.sourceId }, display: 'sdm-bridge' },
    type: [AUDIT_CODES.applicationServer],
  };
}

function patientEntity(patient: string): AuditEventEntity {
  return { what: { reference: patient, type: 'Patient' }, type: AUDIT_CODES.person, role: AUDIT_CODES.patientRole };
}

function resourceEntity(
  reference: string,
  lifecycle: Coding,
  description: string,
  identifier?: Reference['identifier'],
): AuditEventEntity {
  return {
    what: { reference, type: typeOf(reference), ...(identifier ? { identifier } : {}) },
    type: AUDIT_CODES.systemObject,
    role: AUDIT_CODES.domainResource,
    lifecycle,
    description,
  };
}

function typeOf(reference: string): ResourceType {
  return (reference.split('/')[0] ?? '') as ResourceType;
}
