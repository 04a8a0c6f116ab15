/**
 * Fixed ids of the seeded organisations and practitioner. Seeding twice then updates rather than
 * duplicates, and the trigger builders can point at them without being told.
 */
export const SEED_REFS = {
  hospital: 'Organization/hospital',
  department: 'Organization/kinderlongziekten',
  practitioner: 'Practitioner/paediatrician',
  /** A zib PharmaceuticalProduct coded with G-Standaard codes only, as a medication agreement refers to it (MP9). */
  gStandaardMedication: 'Medication/fluticason-gstandaard',
} as const;

/** The asthma Condition the seed gives a patient (`Patient/child7` or `child7` → `Condition/child7-asthma`). */
export function asthmaConditionOf(patient: string): string {
  return `Condition/${idOf(patient)}-asthma`;
}

/** The id of `Type/id`; a bare id is returned as it is. */
export function idOf(reference: string): string {
  return reference.slice(reference.indexOf('/') + 1);
}

/** `Patient/id` for either `id` or `Patient/id`. */
export function patientReference(patient: string): string {
  return patient.startsWith('Patient/') ? patient : `Patient/${patient}`;
}
