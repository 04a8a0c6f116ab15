import type { RelatedPerson } from '@medplum/fhirtypes';
import { toPatientReference } from './patient-reference-of.js';

/** HL7 v3 RoleCode, by URL (FHIR R4) and by OID (how Dutch HL7v3-era systems still send it). */
const ROLE_CODE_SYSTEMS = new Set([
  'http://terminology.hl7.org/CodeSystem/v3-RoleCode',
  'urn:oid:2.16.840.1.113883.5.111',
]);

/**
 * v3 RoleCodes that make a RelatedPerson a parent or guardian of a child: (natural, step, adoptive,
 * foster) parents and the legal guardian. Grandparents, siblings and v2-0131 contact roles are not.
 */
export const PARENT_GUARDIAN_ROLE_CODES: ReadonlySet<string> = new Set([
  'PRN',
  'MTH',
  'FTH',
  'NPRN',
  'NMTH',
  'NFTH',
  'STPPRN',
  'STPMTH',
  'STPFTH',
  'ADOPTP',
  'ADOPTM',
  'ADOPTF',
  'PRNFOST',
  'MTHFOST',
  'FTHFOST',
  'GUARD',
]);

/**
 * The RelatedPersons that may receive an invitation for this patient on this day: they point at
 * the patient, are not inactive, their period (if any) covers the day, and a relationship code
 * says parent or guardian.
 */
export function selectGuardians<T extends RelatedPerson>(
  patientReference: string,
  relatedPersons: readonly T[],
  onDate: string,
): T[] {
  const day = onDate.slice(0, 10);
  return relatedPersons.filter(
    (person) =>
      toPatientReference(person.patient?.reference) === patientReference &&
      person.active !== false &&
      coversDay(person.period, day) &&
      isParentOrGuardian(person),
  );
}

function isParentOrGuardian(person: RelatedPerson): boolean {
  return (person.relationship ?? []).some((concept) =>
    (concept.coding ?? []).some(
      (coding) =>
        coding.system !== undefined &&
        ROLE_CODE_SYSTEMS.has(coding.system) &&
        PARENT_GUARDIAN_ROLE_CODES.has(coding.code ?? ''),
    ),
  );
}

// Compared as text on the calendar date (YYYY-MM-DD); a partial date (`2024`, `2024-05`) covers its whole year or month.
function coversDay(period: RelatedPerson['period'], day: string): boolean {
  const start = period?.start?.slice(0, 10);
  const end = period?.end?.slice(0, 10);
  if (start && day.slice(0, start.length) < start) return false;
  if (end && day.slice(0, end.length) > end) return false;
  return true;
}
