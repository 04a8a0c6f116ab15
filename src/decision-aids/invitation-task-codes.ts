import type { KeyMoment, RecipientRole } from '../rules/types.js';

/** Identifier system of the invitation Task: its value is the invitation id (conditional create, results). */
export const INVITATION_ID_SYSTEM = 'https://sdm-bridge.org/fhir/NamingSystem/invitation-id';

/** The project's CodeSystem for the key moments of the care path. */
export const KEY_MOMENT_SYSTEM = 'https://sdm-bridge.org/fhir/CodeSystem/key-moment';

/** The project's CodeSystem for Task.code. */
export const TASK_CODE_SYSTEM = 'https://sdm-bridge.org/fhir/CodeSystem/task-code';

/** Task.code of every invitation Task: how results intake and the KPIs find them (`Task?code=…`). */
export const INVITATION_TASK_CODE = 'decision-aid-invitation';

/** Dutch display of the invitation Task code, as the care team reads it in the EPD. */
export const INVITATION_TASK_DISPLAY = 'Uitnodiging keuzehulp (gedeelde besluitvorming)';

/** The project's CodeSystem for the kinds of Task.input. */
export const TASK_INPUT_TYPE_SYSTEM = 'https://sdm-bridge.org/fhir/CodeSystem/task-input-type';

/** The project's CodeSystem for who an invitation is for. */
export const RECIPIENT_ROLE_SYSTEM = 'https://sdm-bridge.org/fhir/CodeSystem/recipient-role';

/** Koppeltaal 2.0's extension on Task pointing at the ActivityDefinition (a valueReference). */
export const KOPPELTAAL_INSTANTIATES_URL = 'http://vzvz.nl/fhir/StructureDefinition/instantiates';

/** Task.input types written on an invitation Task. */
export const TASK_INPUT = {
  link: { code: 'invitation-link', display: 'Link naar de keuzehulp' },
  recipientRole: { code: 'recipient-role', display: 'Rol van de ontvanger' },
} as const;

/** Dutch displays of the key moments. */
export const KEY_MOMENT_DISPLAY: Record<KeyMoment, string> = {
  'medication-change': 'medicatiewijziging',
  'treatment-choice': 'behandelkeuze',
  evaluation: 'evaluatie',
};

/** Dutch displays of the recipient roles. */
export const RECIPIENT_ROLE_DISPLAY: Record<RecipientRole, string> = {
  patient: 'patiënt',
  guardian: 'ouder of voogd',
};
