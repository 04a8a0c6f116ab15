/** Code systems and naming systems the sandbox's Dutch test data uses (real ones, plus sdm-bridge's own). */
export const FHIR_SYSTEMS = {
  bsn: 'http://fhir.nl/fhir/NamingSystem/bsn',
  ura: 'http://fhir.nl/fhir/NamingSystem/ura',
  agbZ: 'http://fhir.nl/fhir/NamingSystem/agb-z',
  atc: 'http://www.whocc.no/atc',
  /** G-Standaard PRK (prescription product code). */
  gStandaardPrk: 'urn:oid:2.16.840.1.113883.2.4.4.10',
  /** G-Standaard HPK (trade product code). */
  gStandaardHpk: 'urn:oid:2.16.840.1.113883.2.4.4.7',
  snomed: 'http://snomed.info/sct',
  v3RoleCode: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode',
  v3ActCode: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
  organizationType: 'http://terminology.hl7.org/CodeSystem/organization-type',
  conditionClinical: 'http://terminology.hl7.org/CodeSystem/condition-clinical',
  conditionVerification: 'http://terminology.hl7.org/CodeSystem/condition-ver-status',
  conditionCategory: 'http://terminology.hl7.org/CodeSystem/condition-category',
  language: 'urn:ietf:bcp:47',
  loinc: 'http://loinc.org',
  consentScope: 'http://terminology.hl7.org/CodeSystem/consentscope',
  /** The sandbox EPD's own identifiers (departments, medication agreements, care plans, visits). */
  sandboxDepartment: 'https://sdm-bridge.org/fhir/NamingSystem/sandbox-department',
  sandboxMedicationAgreement: 'https://sdm-bridge.org/fhir/NamingSystem/sandbox-medicatieafspraak',
  sandboxCarePlan: 'https://sdm-bridge.org/fhir/NamingSystem/sandbox-behandelplan',
  sandboxEncounter: 'https://sdm-bridge.org/fhir/NamingSystem/sandbox-contact',
} as const;

/** SNOMED CT concepts used in the test data. */
export const SNOMED = {
  asthma: { system: FHIR_SYSTEMS.snomed, code: '195967001', display: 'Asthma' },
  /** Category of a Dutch medication agreement ("medicatieafspraak"). */
  medicationAgreement: { system: FHIR_SYSTEMS.snomed, code: '16076005', display: 'Prescription' },
  outpatientCarePlan: { system: FHIR_SYSTEMS.snomed, code: '736271009', display: 'Outpatient care plan' },
  asthmaManagement: { system: FHIR_SYSTEMS.snomed, code: '406162001', display: 'Asthma management' },
  paediatrician: { system: FHIR_SYSTEMS.snomed, code: '82296001', display: 'Pediatrician' },
} as const;
