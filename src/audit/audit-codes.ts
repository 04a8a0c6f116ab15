import type { Coding } from '@medplum/fhirtypes';

/** Where an AuditEvent's codes come from: published code systems, plus the project's own for the subtypes. */
export const AUDIT_SYSTEMS = {
  dicom: 'http://dicom.nema.org/resources/ontology/DCM',
  entityType: 'http://terminology.hl7.org/CodeSystem/audit-entity-type',
  objectRole: 'http://terminology.hl7.org/CodeSystem/object-role',
  lifecycle: 'http://terminology.hl7.org/CodeSystem/dicom-audit-lifecycle',
  sourceType: 'http://terminology.hl7.org/CodeSystem/security-source-type',
  participationType: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType',
  actReason: 'http://terminology.hl7.org/CodeSystem/v3-ActReason',
  /** The project's CodeSystem for what sdm-bridge did (AuditEvent.subtype). */
  subtype: 'https://sdm-bridge.org/fhir/CodeSystem/audit-event-subtype',
  /** The project's tag system whose code is an audit record's deterministic key (see build-audit-event.ts). */
  recordKey: 'https://sdm-bridge.org/fhir/CodeSystem/audit-record-key',
  /** The identifier system of the audit source: the name this installation gives itself (AUDIT_SOURCE_ID). */
  sourceId: 'https://sdm-bridge.org/fhir/NamingSystem/audit-source-id',
  /** Policy URIs of mapping-file triggers: the rule that made the service act (AuditEvent.agent.policy). */
  triggerPolicy: 'https://sdm-bridge.org/fhir/trigger/',
} as const;

/** Codings an AuditEvent of this service uses; `checkAuditCodes` accepts these and no others. */
export const AUDIT_CODES = {
  /** DICOM 110110: an event about a patient's record (here: an invitation or a result written into it). */
  patientRecord: { system: AUDIT_SYSTEMS.dicom, code: '110110', display: 'Patient Record' },
  invitationSent: {
    system: AUDIT_SYSTEMS.subtype,
    code: 'invitation-sent',
    display: 'Uitnodiging keuzehulp verstuurd',
  },
  resultWritten: { system: AUDIT_SYSTEMS.subtype, code: 'result-written', display: 'Resultaat keuzehulp vastgelegd' },
  /** The service itself, acting on the hospital's behalf. */
  application: { system: AUDIT_SYSTEMS.dicom, code: '110150', display: 'Application' },
  /** The party data goes to (the decision-aid platform of an invitation). */
  destination: { system: AUDIT_SYSTEMS.dicom, code: '110152', display: 'Destination Role ID' },
  /** The party data comes from (the decision-aid platform of a result). */
  origin: { system: AUDIT_SYSTEMS.dicom, code: '110153', display: 'Source Role ID' },
  /** The person the invitation is for (patient, parent or guardian). */
  informationRecipient: { system: AUDIT_SYSTEMS.participationType, code: 'IRCP', display: 'information recipient' },
  person: { system: AUDIT_SYSTEMS.entityType, code: '1', display: 'Person' },
  systemObject: { system: AUDIT_SYSTEMS.entityType, code: '2', display: 'System Object' },
  patientRole: { system: AUDIT_SYSTEMS.objectRole, code: '1', display: 'Patient' },
  domainResource: { system: AUDIT_SYSTEMS.objectRole, code: '4', display: 'Domain Resource' },
  created: { system: AUDIT_SYSTEMS.lifecycle, code: '1', display: 'Origination / Creation' },
  amended: { system: AUDIT_SYSTEMS.lifecycle, code: '3', display: 'Amendment' },
  used: { system: AUDIT_SYSTEMS.lifecycle, code: '6', display: 'Access / Use' },
  applicationServer: { system: AUDIT_SYSTEMS.sourceType, code: '4', display: 'Application Server' },
  /** Shared decision making is part of treatment: the purpose under which the record is used. */
  treatment: { system: AUDIT_SYSTEMS.actReason, code: 'TREAT', display: 'treatment' },
} as const satisfies Record<string, Coding & { system: string; code: string }>;

/** AuditEvent.action (required binding): this service only creates. */
export const AUDIT_ACTIONS = ['C', 'R', 'U', 'D', 'E'] as const;

/** AuditEvent.outcome (required binding): success, minor failure, serious failure, major failure. */
export const AUDIT_OUTCOMES = { success: '0', minorFailure: '4', seriousFailure: '8', majorFailure: '12' } as const;

/** AuditEvent.agent.network.type (required binding): 1 machine name, 2 IP address, 3 phone, 4 e-mail, 5 URI. */
export const NETWORK_TYPES = ['1', '2', '3', '4', '5'] as const;
