import { toJsBoolean } from '@medplum/core';
import type { Encounter, Patient, Reference } from '@medplum/fhirtypes';
import type { CompiledTrigger } from './compile-mappings.js';
import { matchCodes } from './match-codes.js';
import { noEventMemo, type EventMemo } from './event-memo.js';
import type { RuleFacts } from './types.js';

/**
 * Runs the filters of one trigger on one event, cheapest first: interaction, condition, codes,
 * patient (known, alive, age, department). Returns `undefined` when all pass, else the reason.
 */
export function checkTrigger(
  trigger: CompiledTrigger,
  facts: RuleFacts,
  memo: EventMemo = noEventMemo(facts.resource), // evaluateRules passes one memo per event
): string | undefined {
  const reason = checkResourceFilters(trigger, facts, memo);
  if (reason !== undefined) return reason;
  if (facts.foreignPatient) return `the patient is on another server (${facts.foreignPatient}), not in this EPD`;
  if (!facts.patient) return 'patient unknown (the resource names no patient, or it could not be read)';
  if (facts.patient.deceasedBoolean === true || facts.patient.deceasedDateTime) return 'patient is deceased';
  return (
    checkAge(trigger.patient, facts.patient, facts.occurredAt, memo.ageOn) ??
    checkDepartment(trigger.patient.departments, facts)
  );
}

/**
 * The filters that look at the changed resource alone (interaction, condition, codes). When they
 * rule a trigger out, nothing in the patient's record can change that: `mayInvite` relies on it.
 */
export function checkResourceFilters(
  trigger: CompiledTrigger,
  facts: Pick<RuleFacts, 'resource' | 'interaction'>,
  memo: EventMemo,
): string | undefined {
  if (!trigger.interactions.has(facts.interaction)) {
    return `interaction ${facts.interaction} not in [${[...trigger.interactions].join(', ')}]`;
  }
  try {
    if (trigger.condition && !toJsBoolean(memo.evaluate(trigger.condition))) {
      return `condition false: ${trigger.condition.expression}`;
    }
    if (trigger.codes.length) return matchCodes(trigger.codes, facts.resource, memo.evaluate);
  } catch (err) {
    // A FHIRPath that fails on this resource (e.g. a type the trial run at load did not show) skips this trigger only.
    return `FHIRPath failed: ${(err as Error).message}`;
  }
  return undefined;
}

function checkAge(
  filter: CompiledTrigger['patient'],
  patient: Patient,
  occurredAt: string,
  ageOn: EventMemo['ageOn'],
): string | undefined {
  const { minAge, maxAge } = filter;
  if (minAge === undefined && maxAge === undefined) return undefined;
  if (!patient.birthDate) return 'patient birth date unknown, needed for the age filter';
  const age = ageOn(patient.birthDate, occurredAt);
  if (age === undefined) return `patient age on ${occurredAt.slice(0, 10)} cannot be told from the birth date`;
  if (minAge !== undefined && age < minAge) return `patient ${age}y younger than minAge ${minAge}`;
  if (maxAge !== undefined && age > maxAge) return `patient ${age}y older than maxAge ${maxAge}`;
  return undefined;
}

// The department is where the care happens (the encounter's service provider) when there is an
// encounter; otherwise the organization that manages the patient's record.
function checkDepartment(departments: readonly string[] | undefined, facts: RuleFacts): string | undefined {
  if (!departments) return undefined;
  const encounter =
    facts.encounter ?? (facts.resource.resourceType === 'Encounter' ? (facts.resource as Encounter) : undefined);
  const organization = encounter ? encounter.serviceProvider : facts.patient?.managingOrganization;
  const source = encounter ? 'Encounter.serviceProvider' : 'Patient.managingOrganization';
  if (!organization) return `department unknown: no ${source}`;
  if (departments.some((department) => isDepartment(organization, department))) return undefined;
  const shown = organization.reference ?? organization.identifier?.value ?? '(no reference)';
  return `department ${shown} (${source}) not in [${departments.join(', ')}]`;
}

// A department is written as a reference (`Organization/kinderlongziekten`) or as an organization
// identifier value, optionally with its system (`system|value`).
function isDepartment(organization: Reference, department: string): boolean {
  const { reference, identifier } = organization;
  if (reference !== undefined && (reference === department || reference.endsWith(`/${department}`))) return true;
  if (identifier?.value === undefined) return false;
  return identifier.value === department || `${identifier.system ?? ''}|${identifier.value}` === department;
}
