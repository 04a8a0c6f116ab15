import type { Patient } from '@medplum/fhirtypes';
import { ageOnDate } from './age-on-date.js';
import type { RecipientRole } from './types.js';

/** From `fromAge` (whole years, inclusive) up to the next band, these roles are invited. */
export interface AgeBand {
  fromAge: number;
  recipients: readonly RecipientRole[];
}

/** Age bands in ascending order, the first starting at 0: every age falls in exactly one band. */
export type RecipientAgePolicy = readonly AgeBand[];

/**
 * The paediatric default (`recipients: by-age`). Why these ages: under the Dutch WGBO a child
 * under 12 is represented by the parents or guardians; from 12 to 15 the child and the parents
 * decide together (both are informed); from 16 the patient decides alone, and informing parents
 * would need the patient's consent, so they are not invited.
 */
export const DEFAULT_RECIPIENT_AGE_POLICY: RecipientAgePolicy = Object.freeze([
  { fromAge: 0, recipients: Object.freeze(['guardian'] as const) },
  { fromAge: 12, recipients: Object.freeze(['patient', 'guardian'] as const) },
  { fromAge: 16, recipients: Object.freeze(['patient'] as const) },
]);

/** The roles to invite for a patient, or the reason they cannot be chosen (never a throw). */
export type RolesByAge = { roles: readonly RecipientRole[]; age: number } | { reason: string };

/**
 * The recipients of a by-age trigger for this patient, by the age on the day of the key moment
 * (`occurredAt`'s own calendar date). A missing or too vague birth date is a reason, not a guess.
 */
export function rolesByAge(policy: RecipientAgePolicy, patient: Patient, occurredAt: string): RolesByAge {
  if (!patient.birthDate) return { reason: 'patient birth date unknown, needed to choose the recipients by age' };
  const age = ageOnDate(patient.birthDate, occurredAt);
  if (age === undefined) {
    return {
      reason: `patient age on ${occurredAt.slice(0, 10)} cannot be told from the birth date, needed to choose the recipients by age`,
    };
  }
  const band = bandFor(policy, age);
  if (!band) return { reason: `no recipients configured for age ${age}y` };
  return { roles: band.recipients, age };
}

/** The band an age falls in: the last one that starts at or below it. */
export function bandFor(policy: RecipientAgePolicy, age: number): AgeBand | undefined {
  let found: AgeBand | undefined;
  for (const band of policy) if (band.fromAge <= age) found = band;
  return found;
}

/** Every role a policy may invite, for summaries (`mappings:check`, the dry run). */
export function rolesOfPolicy(policy: RecipientAgePolicy): RecipientRole[] {
  return [...new Set(policy.flatMap((band) => band.recipients))];
}
