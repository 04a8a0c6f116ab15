import type {
  Consent,
  Encounter,
  Organization,
  Patient,
  PractitionerRole,
  RelatedPerson,
  Resource,
} from '@medplum/fhirtypes';

/** The three key moments of the care path at which decision support is offered. */
export const KEY_MOMENTS = ['medication-change', 'treatment-choice', 'evaluation'] as const;
export type KeyMoment = (typeof KEY_MOMENTS)[number];

/** Who receives an invitation: the patient, or a parent/guardian (a RelatedPerson). */
export const RECIPIENT_ROLES = ['patient', 'guardian'] as const;
export type RecipientRole = (typeof RECIPIENT_ROLES)[number];

/** What the rules may look at; gathered by the events worker, so evaluation stays pure. */
export interface RuleFacts {
  /**
   * The resource version the event is about. The resources it links to for its codes (a
   * `medicationReference`, an encounter's reasons and diagnoses) are read with it and added to
   * `contained` (see linked-resources.ts), so code paths read them as contained resources.
   */
  resource: Resource & { id: string };
  interaction: 'create' | 'update' | 'delete';
  /** ISO 8601 date-time of the change; ages are computed on this day. */
  occurredAt: string;
  patient?: Patient & { id: string };
  /** Origin of another server, when the resource names its patient there (an absolute reference): never invited. */
  foreignPatient?: string;
  /** RelatedPersons of the patient (all of them; the rules pick parents/guardians). */
  relatedPersons: (RelatedPerson & { id: string })[];
  /** The encounter the resource refers to, when it refers to one (department filter). */
  encounter?: Encounter & { id: string };
  /** Active Consents of the patient (objection check); absent when they were not read. */
  consents?: Consent[];
  /** The PractitionerRole that requested the change, when it names one (its organization is a department source). */
  practitionerRoles?: PractitionerRole[];
  /** The Organizations the department sources name, read for their identifiers (AGB, URA, local codes). */
  organizations?: Organization[];
}

/** One invitation the rules decided on. */
export interface InvitationDecision {
  triggerId: string;
  keyMoment: KeyMoment;
  decisionAidId: string;
  recipient: DecidedRecipient;
  /** Reflection time before the invitation goes out, in milliseconds (0 = now). */
  delayMs: number;
  /** No second invitation for the same patient and aid (and key moment, see `throttleScope`) within this window, in ms (0 = no throttle). */
  throttleMs: number;
  throttleScope: 'key-moment' | 'decision-aid';
}

/**
 * Who an invitation goes to: `Patient/id` or `RelatedPerson/id`; or, for a parent known only as a
 * `Patient.contact` (no id of its own), the patient's reference with the contact's natural key. The
 * natural key holds a name: the events job replaces it by a keyed hash before anything is stored.
 */
export interface DecidedRecipient {
  role: RecipientRole;
  reference: string;
  contact?: string;
}

/** A trigger that looked at the event and did not fire, with the reason in plain words. */
export interface SkippedTrigger {
  triggerId: string;
  reason: string;
  /** A stable label for counting (metrics) where one exists; the reason stays the explanation. */
  code?: SkipCode;
}

/** Skips worth counting apart: the patient objected, recipients could not be chosen by age, no parent or guardian, not in the sample. */
export type SkipCode = 'objection' | 'age-unknown' | 'no-guardian' | 'not-in-sample';

/** How long one sampling draw holds for a patient: every key moment in the same period gets the same answer. */
export const SAMPLING_PERIODS = ['month', 'quarter', 'year'] as const;
export type SamplingPeriod = (typeof SAMPLING_PERIODS)[number];

/** Invite only a share of key moments (`sampling` on a trigger or aid), drawn per patient and period (see in-sample.ts). */
export interface SamplingRule {
  /** The share in the sample, above 0 and at most 1 (0.3 = 30%). */
  share: number;
  period: SamplingPeriod;
  /** Mixed into the draw so two samplings do not pick the same patients; defaults to the trigger's or aid's id. */
  salt: string;
}

/** The result of evaluating all compiled triggers against one event. */
export interface RuleOutcome {
  patient?: string;
  invitations: InvitationDecision[];
  skipped: SkippedTrigger[];
  /**
   * Triggers that would invite only parents or guardians of a child and found none: each becomes one
   * on-hold Task for the care team (recipient: the patient's reference, as no representative is known).
   */
  noRepresentative?: InvitationDecision[];
  /** The patient's objection, when one stopped a trigger that would otherwise have invited. */
  objection?: { source: string; reason: string };
}

/** How an inbound credential for a decision-aid platform is presented. Secrets are resolved from env at load. */
export type AidAuth =
  { type: 'none' } | { type: 'bearer'; token: string } | { type: 'header'; name: string; value: string };

/** How invitations reach a decision aid. */
export type DeliveryConfig =
  | {
      /** A platform with a JSON API that creates an invitation and answers with its link. */
      type: 'http-api';
      url: string;
      auth: AidAuth;
      /** JSON body with `{{placeholders}}` (see decision-aids/render-template.ts for the list). */
      bodyTemplate: unknown;
      /** Dot path to the invitation link in the platform's JSON answer, e.g. `invitation.url`. */
      linkField: string;
      timeoutMs: number;
    }
  | {
      /** An aid without an API: an HMAC-signed link with an expiry, no patient identifiers in clear. */
      type: 'signed-link';
      baseUrl: string;
      secret: string;
      validForMs: number;
    };

/** A decision aid (keuzehulp) or questionnaire the mapping files declare. */
export interface DecisionAid {
  id: string;
  title: string;
  /** Canonical URL (optionally `|version`) of the ActivityDefinition that describes the aid. */
  activityDefinition: string;
  /** Koppeltaal 2.0 route: also a KT2Task + KT2AuditEvent in the Koppeltaal store (docs/koppeltaal.md). */
  koppeltaal: boolean;
  delivery: DeliveryConfig;
  /** How the platform posts results back (`POST /decision-aids/{id}/results`); absent: it does not. */
  results?: ResultsConfig;
  /** Invite only a sampled share of key moments for this aid (unless a trigger has its own `sampling`). */
  sampling?: SamplingRule;
}

/** How a decision-aid platform proves who it is when it posts results. Secrets are resolved from env at load. */
export type ResultsAuth = { type: 'bearer'; token: string } | { type: 'hmac'; secret: string };

/** One Questionnaire a platform's result fills in, and where each answer is in the platform's JSON. */
export interface ResultQuestionnaireMapping {
  /** Canonical `url|version` of the Questionnaire (in mappings/questionnaires/). */
  questionnaire: string;
  /** The same Questionnaire worded for a parent or guardian, used when the invitation went to one. */
  guardianQuestionnaire?: string;
  /** True: a result may leave this questionnaire out entirely. */
  optional: boolean;
  /** linkId → dot path into the platform's JSON result (`answers.q1`, `items.0.value`). */
  answers: Readonly<Record<string, string>>;
  /** Who may answer it, per recipient role, with the patient's ages; absent: anyone the aid invites. */
  answeredBy?: Readonly<Partial<Record<RecipientRole, AgeBand>>>;
  /** After which key moments it is asked; absent: after every one. */
  keyMoments?: readonly KeyMoment[];
  /** linkIds (groups or questions) the patient answers even at a parent's invitation (the C-ACT child part). */
  patientItems?: readonly string[];
  /** What of it is written to the record; a part left out takes its default (see src/pro/storage-policy.ts). */
  store?: Readonly<Partial<StoragePolicy>>;
}

/** What one questionnaire of a result writes to the patient's record. */
export interface StoragePolicy {
  /** The QuestionnaireResponse (every answer, readable as the form). */
  response: boolean;
  /** One Observation per computed score. */
  scores: boolean;
  /** One Observation per extracted answer. */
  items: boolean;
}

/** The patient's age in whole years on the day a questionnaire was filled in, both ends included. */
export interface AgeBand {
  minAge?: number;
  maxAge?: number;
}

/** Results intake of a decision aid: credential, where the invitation and result ids are, and the answer mapping. */
export interface ResultsConfig {
  auth: ResultsAuth;
  /** Dot path to the invitation id (the invitation Task's identifier value, sent with the invitation). */
  invitationField: string;
  /** Dot path to the platform's id of this result: the same result posted again has the same id. */
  resultIdField: string;
  /** Dot path to when it was filled in (ISO 8601); absent: when it was received. */
  authoredField?: string;
  questionnaires: readonly ResultQuestionnaireMapping[];
}
