import type { Coding } from '@medplum/fhirtypes';

/** Canonical URLs of the Koppeltaal 2.0 profiles (v0.8) the service writes to. */
export const KT2_PROFILE = {
  task: 'http://koppeltaal.nl/fhir/StructureDefinition/KT2Task',
  auditEvent: 'http://koppeltaal.nl/fhir/StructureDefinition/KT2AuditEvent',
  patient: 'http://koppeltaal.nl/fhir/StructureDefinition/KT2Patient',
} as const;

/** KT2's extension naming the Device (application) that created a resource; the store's authorisation reads it. */
export const RESOURCE_ORIGIN_URL = 'http://koppeltaal.nl/fhir/StructureDefinition/resource-origin';

/**
 * AuditEvent.type from KT2's audit-event-type ValueSet (which includes all of HL7's
 * audit-event-type codes): a RESTful operation, with the interaction as subtype.
 */
export const KT2_AUDIT_TYPE: Coding = {
  system: 'http://terminology.hl7.org/CodeSystem/audit-event-type',
  code: 'rest',
  display: 'RESTful Operation',
};

/** AuditEvent.subtype: the FHIR interaction that was audited. */
export const KT2_AUDIT_CREATE: Coding = {
  system: 'http://hl7.org/fhir/restful-interaction',
  code: 'create',
  display: 'create',
};

/** agent.type: the application that sent the data (DICOM, in R4's participation-role-type). */
export const KT2_AGENT_SOURCE: Coding = {
  system: 'http://dicom.nema.org/resources/ontology/DCM',
  code: '110153',
  display: 'Source Role ID',
};

/** entity.type of the Task and of the Patient it is for (HL7 audit-entity-type). */
export const KT2_ENTITY_TYPE = {
  systemObject: {
    system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type',
    code: '2',
    display: 'System Object',
  },
  person: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '1', display: 'Person' },
} as const satisfies Record<string, Coding>;

/** Identifier system of the key that makes a KT2AuditEvent's conditional create idempotent (`_tag`). */
export const KT2_AUDIT_KEY_SYSTEM = 'https://sdm-bridge.org/fhir/CodeSystem/koppeltaal-audit-key';
