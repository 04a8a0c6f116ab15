import type { CodeableConcept, RelatedPerson } from '@medplum/fhirtypes';
import { coversDay } from './covers-day.js';
import { toPatientReference } from './patient-reference-of.js';

/** HL7 v3 RoleCode, by URL (FHIR R4) and by OID (how Dutch HL7v3-era systems still send it). */
const ROLE_CODE_SYSTEMS = ['http://terminology.hl7.org/CodeSystem/v3-RoleCode', 'urn:oid:2.16.840.1.113883.5.111'];

/** The zib ContactPerson role list (RolCodelijst), which Dutch EPDs use next to (or instead of) a family code. */
export const ZIB_ROLE_SYSTEM = 'urn:oid:2.16.840.1.113883.2.4.3.11.22.472';

/**
 * v3 RoleCodes of the people who hold parental authority over a child under the WGBO: (natural,
 * adoptive) parents and the legal guardian. Grandparents, siblings and v2-0131 contact roles are not.
 */
export const PARENT_GUARDIAN_ROLE_CODES: readonly string[] = [
  'PRN',
  'MTH',
  'FTH',
  'NPRN',
  'NMTH',
  'NFTH',
  'ADOPTP',
  'ADOPTM',
  'ADOPTF',
  'GUARD',
];

/** Step- and foster parents: representatives only where the mapping says so (`stepAndFosterParents: true`). */
export const STEP_FOSTER_ROLE_CODES: readonly string[] = [
  'STPPRN',
  'STPMTH',
  'STPFTH',
  'PRNFOST',
  'MTHFOST',
  'FTHFOST',
];

/** zib roles that make a contact person a representative: 11 Voogd (guardian), 24 Wettelijke vertegenwoordiger. */
export const ZIB_REPRESENTATIVE_ROLES: readonly string[] = ['11', '24'];

/** The relationship codes (`system|code`) that make a RelatedPerson a parent or legal representative of a child. */
export type RepresentativeCodes = ReadonlySet<string>;

/** The default list: v3 parents and guardian (URL and OID), zib roles 11 and 24; step/foster parents when asked. */
export function defaultRepresentativeCodes(stepAndFosterParents = false): RepresentativeCodes {
  const family = [...PARENT_GUARDIAN_ROLE_CODES, ...(stepAndFosterParents ? STEP_FOSTER_ROLE_CODES : [])];
  return new Set([
    ...ROLE_CODE_SYSTEMS.flatMap((system) => family.map((code) => `${system}|${code}`)),
    ...ZIB_REPRESENTATIVE_ROLES.map((code) => `${ZIB_ROLE_SYSTEM}|${code}`),
  ]);
}

const DEFAULT_CODES = defaultRepresentativeCodes();

/**
 * The RelatedPersons that may receive an invitation for this patient on this day: they point at
 * the patient, are not inactive, their period (if any) covers the day, and a relationship code
 * (a v3 family code or a zib role, zib ContactPerson has both) is one of `codes`.
 */
export function selectGuardians<T extends RelatedPerson>(
  patientReference: string,
  relatedPersons: readonly T[],
  onDate: string,
  codes: RepresentativeCodes = DEFAULT_CODES,
): T[] {
  const day = onDate.slice(0, 10);
  return relatedPersons.filter(
    (person) =>
      toPatientReference(person.patient?.reference) === patientReference &&
      person.active !== false &&
      coversDay(person.period, day) &&
      hasRepresentativeCode(person.relationship, codes),
  );
}

/** Whether a relationship (of a RelatedPerson or a Patient.contact) carries one of the representative codes. */
export function hasRepresentativeCode(
  relationship: readonly CodeableConcept[] | undefined,
  codes: RepresentativeCodes,
): boolean {
  return (relationship ?? []).some((concept) =>
    (concept.coding ?? []).some((coding) => codes.has(`${coding.system ?? ''}|${coding.code ?? ''}`)),
  );
}
