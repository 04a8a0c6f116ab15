import { toJsBoolean } from '@medplum/core';
import type { Patient } from '@medplum/fhirtypes';
import { departmentSources, isDepartment, relativeReference } from './department-sources.js';
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

// The department is where the care happens (the encounter's serviceProvider), else the organization
// of whoever requested the change, else the one that manages the patient's record: the first of these
// the record names decides, matched by reference or by an identifier of the Organization.
function checkDepartment(departments: readonly string[] | undefined, facts: RuleFacts): string | undefined {
  if (!departments) return undefined;
  const decisive = departmentSources(facts)[0];
  if (!decisive)
    return 'department unknown: no Encounter.serviceProvider, requester organization or Patient.managingOrganization';
  const { organization, source } = decisive;
  const read = facts.organizations?.find((o) => relativeReference(organization) === `Organization/${o.id}`);
  if (departments.some((department) => isDepartment(organization, read, department))) return undefined;
  const ids = [...(organization.identifier ? [organization.identifier] : []), ...(read?.identifier ?? [])].map(
    (i) => `${i.system ?? ''}|${i.value ?? ''}`,
  );
  const shown = `${organization.reference ?? '(no reference)'}${ids.length ? ` [${ids.join(', ')}]` : ''}`;
  return `department ${shown} (${source}) not in [${departments.join(', ')}]`;
}
