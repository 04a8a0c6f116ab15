import type { Reference, Resource } from '@medplum/fhirtypes';

/** The fields that point at the patient, in the order FHIR resources use them most. */
const PATIENT_FIELDS = ['subject', 'patient', 'for', 'beneficiary'] as const;

/** `Patient/<id>` at the end of a relative or absolute reference, optionally with a version. */
const PATIENT_REFERENCE = /(?:^|\/)Patient\/([A-Za-z0-9.-]{1,64})(?:\/_history\/[^/]+)?$/;

/**
 * `Patient/<id>` of the patient a resource is about (`subject`, `patient`, `for`, `beneficiary`,
 * or the Patient itself), or `undefined` when it names none by reference.
 */
export function patientReferenceOf(resource: Resource): string | undefined {
  if (resource.resourceType === 'Patient') return resource.id ? `Patient/${resource.id}` : undefined;
  const fields = resource as unknown as Record<string, unknown>;
  for (const field of PATIENT_FIELDS) {
    const value = fields[field] as Reference | undefined;
    const reference = toPatientReference(value?.reference);
    if (reference) return reference;
  }
  return undefined;
}

/** Normalises a Patient reference (relative, absolute or versioned) to `Patient/<id>`; `undefined` for anything else. */
export function toPatientReference(reference: string | undefined): string | undefined {
  const match = reference === undefined ? null : PATIENT_REFERENCE.exec(reference);
  return match ? `Patient/${match[1]}` : undefined;
}
