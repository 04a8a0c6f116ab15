/**
 * Medication resources name their product inline (`medicationCodeableConcept`), in a contained
 * Medication, or in a referenced one (read with the facts and offered as contained: linked-resources.ts).
 */
const MEDICATION_CODES = 'medication.ofType(CodeableConcept) | contained.ofType(Medication).code';

/**
 * A Condition that counts as a reason: not ruled out (zib "Uitgesloten": refuted) and not recorded in
 * error. A working or differential diagnosis still counts: the visit was about it.
 */
const NOT_RULED_OUT =
  "verificationStatus.coding.where(system = 'http://terminology.hl7.org/CodeSystem/condition-ver-status' and (code = 'refuted' or code = 'entered-in-error')).empty()";

/**
 * Where the codes of a resource type usually are, for code filters that give no `path`. Types not
 * listed need an explicit path: guessing `code` for them would let a filter silently never match.
 */
const DEFAULT_CODE_PATHS: Readonly<Record<string, string>> = {
  MedicationRequest: MEDICATION_CODES,
  MedicationStatement: MEDICATION_CODES,
  MedicationDispense: MEDICATION_CODES,
  MedicationAdministration: MEDICATION_CODES,
  CarePlan: 'category | activity.detail.code',
  // zib2020 records the contact reason as reasonReference/diagnosis → Condition: read and offered as contained.
  Encounter: `reasonCode | type | contained.ofType(Condition).where(${NOT_RULED_OUT}).code | contained.ofType(Procedure).code`,
  EpisodeOfCare: 'type',
  Appointment: 'reasonCode | serviceType',
  Condition: 'code',
  Procedure: 'code',
  Observation: 'code',
  ServiceRequest: 'code',
  Task: 'code',
  Goal: 'description',
};

/** The FHIRPath to the CodeableConcepts/Codings a code filter looks at when it gives none. */
export function defaultCodePath(resourceType: string): string | undefined {
  return DEFAULT_CODE_PATHS[resourceType];
}
