import type {
  CodeableConcept,
  Extension,
  Narrative,
  Reference,
  RelatedPerson,
  ResourceType,
  Task,
} from '@medplum/fhirtypes';
import type { InvitationJobData } from '../queue/job-types.js';
import { dutchDateTime } from '../shared/dutch-date.js';
import { requestIdTag } from '../shared/request-id.js';
import { xhtmlNarrative } from '../shared/xhtml-narrative.js';
import type { DecisionAid } from '../rules/types.js';
import type { TaskHold } from './contact-hold.js';
import { CONTACT_ONLY_NOTE } from './contact-recipient.js';
import type { CreatedInvitation } from './invitation-adapter.js';
import {
  INVITATION_ID_SYSTEM,
  INVITATION_TASK_CODE,
  INVITATION_TASK_DISPLAY,
  KEY_MOMENT_DISPLAY,
  KEY_MOMENT_SYSTEM,
  KOPPELTAAL_INSTANTIATES_URL,
  RECIPIENT_ROLE_DISPLAY,
  RECIPIENT_ROLE_SYSTEM,
  TASK_CODE_SYSTEM,
  TASK_INPUT,
  TASK_INPUT_TYPE_SYSTEM,
} from './invitation-task-codes.js';

/** Focus types that are requests themselves: the Task then also says it is based on them. */
const REQUEST_TYPES = new Set<ResourceType>(['MedicationRequest', 'CarePlan', 'ServiceRequest']);

/**
 * The Task the care team sees in the EPD for one invitation: for the patient, owned by the
 * recipient (patient or guardian), pointing at the change that triggered it. Without an invitation
 * yet it is `requested` (written before the platform is called); with one it is `ready` and carries
 * the link. With a `hold` (recipient unreachable, platform gave no link) it is `on-hold` with the
 * reason and what to do. A parent known only as a `Patient.contact` (`contained`) is contained in
 * the Task and named as its owner (`#…`), with a note for the care team. Pure; the caller validates
 * and writes it (`invitationTaskQuery` finds it).
 */
export function buildInvitationTask(
  job: InvitationJobData,
  aid: DecisionAid,
  invitation: CreatedInvitation | undefined,
  now: string,
  hold?: TaskHold,
  contained?: RelatedPerson,
): Task {
  const focusType = typeOf(job.focus);
  const description = describe(aid, job);
  return {
    resourceType: 'Task',
    ...(job.requestId ? { meta: { tag: [requestIdTag(job.requestId)] } } : {}),
    ...(contained ? { contained: [contained] } : {}),
    ...(aid.koppeltaal ? { extension: [koppeltaalInstantiates(aid)] } : {}),
    text: narrative(description, job, invitation, contained !== undefined),
    identifier: [{ system: INVITATION_ID_SYSTEM, value: job.invitationId }],
    instantiatesCanonical: aid.activityDefinition,
    // Why basedOn only for requests: basedOn means "fulfils this request"; an Observation or a
    // Condition is nobody's request, so the Task only has it as its focus. The request as a whole
    // (any version) is what the Task serves, hence the version-less reference.
    ...(REQUEST_TYPES.has(focusType) ? { basedOn: [{ reference: withoutVersion(job.focus), type: focusType }] } : {}),
    status: hold ? 'on-hold' : invitation ? 'ready' : 'requested',
    ...(hold ? { statusReason: hold.statusReason, businessStatus: hold.businessStatus } : {}),
    intent: 'order',
    priority: 'routine',
    code: { coding: [{ system: TASK_CODE_SYSTEM, code: INVITATION_TASK_CODE, display: INVITATION_TASK_DISPLAY }] },
    description,
    focus: { reference: job.focus, type: focusType },
    for: { reference: job.patient, type: 'Patient' },
    authoredOn: now,
    lastModified: now,
    owner: contained
      ? { reference: `#${contained.id ?? ''}`, type: 'RelatedPerson' }
      : { reference: job.recipient.reference, type: typeOf(job.recipient.reference) },
    ...(contained ? { note: [{ text: CONTACT_ONLY_NOTE }] } : {}),
    reasonCode: {
      coding: [{ system: KEY_MOMENT_SYSTEM, code: job.keyMoment, display: KEY_MOMENT_DISPLAY[job.keyMoment] }],
    },
    ...(invitation?.expiresAt ? { restriction: { period: { end: invitation.expiresAt } } } : {}),
    input: [
      ...(invitation ? [{ type: inputType(TASK_INPUT.link), valueUrl: invitation.link }] : []),
      {
        type: inputType(TASK_INPUT.recipientRole),
        valueCoding: {
          system: RECIPIENT_ROLE_SYSTEM,
          code: job.recipient.role,
          display: RECIPIENT_ROLE_DISPLAY[job.recipient.role],
        },
      },
    ],
  };
}

/** The link an invitation Task carries, once the platform gave one. */
export function invitationLinkOf(task: Task): string | undefined {
  return task.input?.find((i) => i.type.coding?.some((c) => c.code === TASK_INPUT.link.code))?.valueUrl;
}

/** The search that finds the Task of an invitation: the `If-None-Exist` of its conditional create. */
export function invitationTaskQuery(invitationId: string): string {
  return `identifier=${INVITATION_ID_SYSTEM}|${encodeURIComponent(invitationId)}`;
}

/**
 * Koppeltaal 2.0 points a Task at its ActivityDefinition with a valueReference (its profile allows
 * only a Reference, not a canonical). We know the aid by its canonical URL, which by FHIR convention
 * resolves to the ActivityDefinition, so that URL (without `|version`) is the absolute reference.
 */
function koppeltaalInstantiates(aid: DecisionAid): Extension {
  const reference: Reference = {
    reference: withoutCanonicalVersion(aid.activityDefinition),
    type: 'ActivityDefinition',
  };
  return { url: KOPPELTAAL_INSTANTIATES_URL, valueReference: { ...reference, display: aid.title } };
}

function describe(aid: DecisionAid, job: InvitationJobData): string {
  const who = job.recipient.role === 'guardian' ? 'de ouder of voogd van de patiënt' : 'de patiënt';
  return `Uitnodiging voor ${who} om keuzehulp '${aid.title}' te gebruiken bij de ${KEY_MOMENT_DISPLAY[job.keyMoment]}.`;
}

function narrative(
  description: string,
  job: InvitationJobData,
  invitation: CreatedInvitation | undefined,
  contactOnly: boolean,
): Narrative {
  const who = RECIPIENT_ROLE_DISPLAY[job.recipient.role];
  const rows = [
    ['Ontvanger', contactOnly ? `${who} (alleen bekend als contactpersoon bij de patiënt)` : who],
    ['Moment', KEY_MOMENT_DISPLAY[job.keyMoment]],
    [
      'Geldig tot',
      invitation ? (invitation.expiresAt ? dutchDateTime(invitation.expiresAt) : 'onbeperkt') : 'nog niet verstuurd',
    ],
  ];
  return xhtmlNarrative(
    contactOnly ? [description, CONTACT_ONLY_NOTE] : [description],
    rows.map(([label, value]) => `${label}: ${value}`),
  );
}

function inputType(entry: { code: string; display: string }): CodeableConcept {
  return { coding: [{ system: TASK_INPUT_TYPE_SYSTEM, code: entry.code, display: entry.display }] };
}

/** The resource type of a relative reference (`Type/id…`); the reference's shape was checked upstream. */
function typeOf(reference: string): ResourceType {
  return (reference.split('/')[0] ?? '') as ResourceType;
}

function withoutVersion(reference: string): string {
  return reference.split('/_history/')[0] ?? reference;
}

function withoutCanonicalVersion(canonical: string): string {
  return canonical.split('|')[0] ?? canonical;
}
