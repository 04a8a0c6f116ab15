import type { Reference, Resource } from '@medplum/fhirtypes';

/** The fields that point at the patient, in the order FHIR resources use them most. */
const PATIENT_FIELDS = ['subject', 'patient', 'for', 'beneficiary'] as const;

/** `Patient/<id>` at the end of a relative or absolute reference, optionally with a version. */
const PATIENT_REFERENCE = /(?:^|\/)Patient\/([A-Za-z0-9.-]{1,64})(?:\/_history\/[^/]+)?$/;

/**
 * `Patient/<id>` of the patient a resource is about (`subject`, `patient`, `for`, `beneficiary`,
 * or the Patient itself), or `undefined` when it names none by reference. With `ownBases` (the
 * EPD's FHIR base URLs), an absolute reference counts only on one of them: see `foreignPatientServer`.
 */
export function patientReferenceOf(resource: Resource, ownBases?: readonly string[]): string | undefined {
  if (resource.resourceType === 'Patient') return resource.id ? `Patient/${resource.id}` : undefined;
  const raw = rawPatientReference(resource);
  if (raw && ownBases && foreignServerOf(raw, ownBases)) return undefined;
  return toPatientReference(raw);
}

/**
 * The origin of another server when the resource's patient is named by an absolute reference
 * outside `ownBases`. Why: `https://other-hospital.example/fhir/Patient/7` was taken for the local
 * `Patient/7`, and a Task went to the wrong child. Such a resource gets a skip reason instead.
 */
export function foreignPatientServer(resource: Resource, ownBases: readonly string[]): string | undefined {
  const raw = resource.resourceType === 'Patient' ? undefined : rawPatientReference(resource);
  return raw ? foreignServerOf(raw, ownBases) : undefined;
}

function rawPatientReference(resource: Resource): string | undefined {
  const fields = resource as unknown as Record<string, unknown>;
  for (const field of PATIENT_FIELDS) {
    const reference = (fields[field] as Reference | undefined)?.reference;
    if (toPatientReference(reference)) return reference;
  }
  return undefined;
}

/** The origin of an absolute reference that is not under one of `ownBases`; undefined for relative or own ones. */
function foreignServerOf(reference: string, ownBases: readonly string[]): string | undefined {
  if (!/^[a-z][a-z0-9+.-]*:/i.test(reference)) return undefined;
  const own = ownBases.some((base) => reference.startsWith(`${base.replace(/\/+$/, '')}/Patient/`));
  if (own) return undefined;
  try {
    return new URL(reference).origin;
  } catch {
    return 'an unreadable address';
  }
}

/** Normalises a Patient reference (relative, absolute or versioned) to `Patient/<id>`; `undefined` for anything else. */
export function toPatientReference(reference: string | undefined): string | undefined {
  const match = reference === undefined ? null : PATIENT_REFERENCE.exec(reference);
  return match ? `Patient/${match[1]}` : undefined;
}
