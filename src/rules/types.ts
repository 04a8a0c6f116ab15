import type { Patient, RelatedPerson, Resource, Encounter } from '@medplum/fhirtypes';

/** The three key moments of the care path at which decision support is offered. */
export const KEY_MOMENTS = ['medication-change', 'treatment-choice', 'evaluation'] as const;
export type KeyMoment = (typeof KEY_MOMENTS)[number];

/** Who receives an invitation: the patient, or a parent/guardian (a RelatedPerson). */
export const RECIPIENT_ROLES = ['patient', 'guardian'] as const;
export type RecipientRole = (typeof RECIPIENT_ROLES)[number];

/** What the rules may look at; gathered by the events worker, so evaluation stays pure. */
export interface RuleFacts {
  resource: Resource & { id: string };
  interaction: 'create' | 'update' | 'delete';
  /** ISO 8601 date-time of the change; ages are computed on this day. */
  occurredAt: string;
  patient?: Patient & { id: string };
  /** RelatedPersons of the patient (all of them; the rules pick parents/guardians). */
  relatedPersons: (RelatedPerson & { id: string })[];
  /** The encounter the resource refers to, when it refers to one (department filter). */
  encounter?: Encounter & { id: string };
}

/** One invitation the rules decided on. */
export interface InvitationDecision {
  triggerId: string;
  keyMoment: KeyMoment;
  decisionAidId: string;
  recipient: { role: RecipientRole; reference: string };
  /** Reflection time before the invitation goes out, in milliseconds (0 = now). */
  delayMs: number;
  /** No second invitation for the same patient and aid within this window, in ms (0 = no throttle). */
  throttleMs: number;
}

/** A trigger that looked at the event and did not fire, with the reason in plain words. */
export interface SkippedTrigger {
  triggerId: string;
  reason: string;
}

/** The result of evaluating all compiled triggers against one event. */
export interface RuleOutcome {
  patient?: string;
  invitations: InvitationDecision[];
  skipped: SkippedTrigger[];
}

/** How an inbound credential for a decision-aid platform is presented. Secrets are resolved from env at load. */
export type AidAuth = { type: 'none' } | { type: 'bearer'; token: string } | { type: 'header'; name: string; value: string };

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
  /** Record the aid with Koppeltaal's `instantiates` extension on the Task (Koppeltaal route). */
  koppeltaal: boolean;
  delivery: DeliveryConfig;
}
