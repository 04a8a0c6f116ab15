import type { HumanName, Identifier, Patient } from '@medplum/fhirtypes';
import { AppError } from '../shared/errors.js';
import { resourceOrigin } from './build-kt2-task.js';
import { KT2_PROFILE } from './kt2-codes.js';

/** The identifier by which the patient is found in the Koppeltaal store (e.g. the BSN), from the EPD's Patient. */
export function storeIdentifierOf(epdPatient: Patient, system: string): Identifier {
  const value = epdPatient.identifier?.find((id) => id.system === system && id.value)?.value;
  if (!value)
    throw new AppError(`the patient has no identifier of system ${system}: the Koppeltaal store cannot find them`, {
      status: 422,
      retry: false,
      code: 'required',
    });
  return { system, value };
}

/**
 * The Patient created in the Koppeltaal store when none has the identifier yet: exactly what
 * KT2Patient v0.8 requires and nothing more — the identifier, active, the official family and
 * given names, gender and birth date. No address, telecom, contacts or EPD id. Throws a permanent
 * error naming what the EPD's Patient lacks.
 */
export function buildKt2Patient(epdPatient: Patient, identifier: Identifier, deviceId: string): Patient {
  const name = officialName(epdPatient.name ?? []);
  const missing = [
    ...(name ? [] : ['a name with family and given names']),
    ...(epdPatient.gender ? [] : ['gender']),
    ...(epdPatient.birthDate ? [] : ['birthDate']),
  ];
  if (missing.length || !name)
    throw new AppError(`the patient lacks what KT2Patient requires: ${missing.join(', ')}`, {
      status: 422,
      retry: false,
      code: 'required',
    });
  return {
    resourceType: 'Patient',
    meta: { profile: [KT2_PROFILE.patient] },
    extension: [resourceOrigin(deviceId)],
    identifier: [identifier],
    active: true,
    name: [{ use: 'official', family: name.family, given: name.given }],
    gender: epdPatient.gender,
    birthDate: epdPatient.birthDate,
  };
}

/** The official name (or the first one) when it has a family name and given names. */
function officialName(names: readonly HumanName[]): { family: string; given: string[] } | undefined {
  const name = names.find((n) => n.use === 'official') ?? names[0];
  const given = name?.given?.filter(Boolean) ?? [];
  return name?.family && given.length ? { family: name.family, given } : undefined;
}
