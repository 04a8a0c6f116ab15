import type { Identifier, QuestionnaireResponseItem } from '@medplum/fhirtypes';
import type { EpdEvent } from '../intake/epd-event.js';
import type { KeyMoment, RecipientRole, StoragePolicy } from '../rules/types.js';

/** Queue names. One Redis prefix per deployment (config QUEUE_PREFIX) keeps environments apart. */
export const QUEUE = {
  events: 'events',
  invitations: 'invitations',
  poll: 'poll',
  results: 'results',
  kpi: 'kpi',
} as const;

export type QueueName = (typeof QUEUE)[keyof typeof QUEUE];

/** Data of an `events` job: the normalised event, references only. */
export type EventJobData = EpdEvent;

/** Data of an `invitations` job: everything the decision-aid adapter and the Task need, by reference. */
export interface InvitationJobData {
  /** Deterministic: keyed HMAC of (EPD base, resource version, trigger, recipient); see src/events/invitation-id.ts. Also the Task identifier value. */
  invitationId: string;
  eventKey: string;
  source: string;
  triggerId: string;
  keyMoment: KeyMoment;
  decisionAidId: string;
  /** `Patient/id` */
  patient: string;
  /**
   * `Patient/id` or `RelatedPerson/id`; for a parent known only as a `Patient.contact`, the patient
   * with `contact` the keyed hash of that contact (src/rules/contact-representatives.ts), never a name.
   */
  recipient: { role: RecipientRole; reference: string; contact?: string };
  /** Set when no parent or guardian may be invited: only an on-hold Task is written, the platform is not called. */
  noRepresentative?: true;
  /** `Type/id/_history/vid` (or `Type/id`) of the resource that triggered the invitation. */
  focus: string;
  occurredAt: string;
  /** The request that delivered the event (src/shared/request-id.ts). */
  requestId?: string;
}

/** Why a `poll` job runs: its schedule, an empty ping, a sweep, a gap in event numbers, or a heartbeat check. */
export type PollReason = 'schedule' | 'ping' | 'reconcile' | 'gap' | 'heartbeat';

/** Data of a `poll` job: which source, why, and when it was asked for. */
export interface PollJobData {
  source: string;
  reason: PollReason;
  /** ISO 8601: a poll that started after this covers the request (pings are coalesced on it). */
  requestedAt?: string;
  /** `Subscription/id` a gap job is about. */
  subscription?: string;
  /** The first missing event number a gap job waits for. */
  missingFrom?: number;
}

/** One QuestionnaireResponse of a result, checked against its Questionnaire; written by the results job. */
export interface ResultResponseDraft {
  /** The response's identifier: from the platform's result id, so the same result always gets the same one. */
  identifier: Identifier & { system: string; value: string };
  /** Canonical `url|version` of the Questionnaire. */
  questionnaire: string;
  /** ISO 8601: when the patient or parent filled it in. */
  authored: string;
  item: QuestionnaireResponseItem[];
  /** linkIds the patient answered at a parent's invitation (the C-ACT child part): their Observations name the patient. */
  patientItems?: string[];
  /** What is written to the record; absent (a job queued by an older version): everything. */
  store?: StoragePolicy;
}

/**
 * Data of a `results` job: the answers (they exist nowhere else yet) and references for the rest.
 * No names or identifiers of the patient; completed jobs are removed at once (see src/pro/enqueue-result.ts).
 */
export interface ResultJobData {
  /** `aidId|…` of the result: the job id is derived from it. */
  resultKey: string;
  /** The id of the request that posted it (see src/shared/request-id.ts): on its AuditEvent and log lines. */
  requestId?: string;
  decisionAidId: string;
  invitationId: string;
  /** `Task/id` of the invitation Task. */
  task: string;
  /** `Patient/id` */
  patient: string;
  /** Who filled it in: the invitation's recipient. */
  author: { role: RecipientRole; reference: string };
  receivedAt: string;
  responses: ResultResponseDraft[];
}

/** Data of a `kpi` job: write the MeasureReport of a month (`YYYY-MM`); absent: the month before the run. */
export interface KpiJobData {
  month?: string;
  /** `schedule`: the monthly job scheduler; `request`: asked for on demand. */
  reason: 'schedule' | 'request';
}
