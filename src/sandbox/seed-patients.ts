import type { MemoryRepository } from '@medplum/fhir-router';
import type {
  Condition,
  Consent,
  Medication,
  Organization,
  Patient,
  Practitioner,
  RelatedPerson,
  Resource,
} from '@medplum/fhirtypes';
import { CONSENT_PURPOSE_SYSTEM, V3_ACT_REASON } from '../rules/objection-policy.js';
import { assertValidResource } from '../shared/fhir-definitions.js';
import { FHIR_SYSTEMS, SNOMED } from './fhir-systems.js';
import { asthmaConditionOf, idOf, SEED_REFS } from './seed-refs.js';
import { SEED_PEOPLE, type SeedParent, type SeedPatientLabel, type SeedPerson } from './seed-people.js';

export { SEED_PATIENT_LABELS, type SeedPatientLabel } from './seed-people.js';
export { asthmaConditionOf, SEED_REFS } from './seed-refs.js';
export { evaluationVisit, medicationAgreement, treatmentPlan } from './trigger-resources.js';

/** References (`Type/id`) of everything `seedSandbox` wrote, by role. */
export interface SeedIds {
  hospital: string;
  department: string;
  practitioner: string;
  /** The G-Standaard-coded Medication a zib medication agreement refers to. */
  medication: string;
  patients: Record<SeedPatientLabel, string>;
  /** The patient's parents (RelatedPerson), mother first; empty for the adult. */
  relatedPersons: Record<SeedPatientLabel, string[]>;
  /** The patient's asthma Condition. */
  conditions: Record<SeedPatientLabel, string>;
  /** Age in whole years on the day of seeding. */
  ages: Record<SeedPatientLabel, number>;
  /** The Consent recording a patient's objection to being approached, for the patients who have one. */
  objections: Partial<Record<SeedPatientLabel, string>>;
}

/** Loads the Dutch test data (hospital, department, paediatrician, patients, parents, asthma). */
export async function seedSandbox(repo: MemoryRepository, options: { today?: Date } = {}): Promise<SeedIds> {
  const today = options.today ?? new Date();
  const write = async (resource: Resource & { id: string }): Promise<string> => {
    // An update with the id creates it the first time; a create would refuse an id in use when seeding again.
    await repo.updateResource(assertValidResource(resource));
    return `${resource.resourceType}/${resource.id}`;
  };
  const ids = {
    hospital: await write(hospital()),
    department: await write(department()),
    practitioner: await write(paediatrician()),
    medication: await write(gStandaardMedication()),
    patients: {},
    relatedPersons: {},
    conditions: {},
    ages: {},
    objections: {},
  } as SeedIds;
  for (const person of SEED_PEOPLE) {
    ids.patients[person.label] = await write(patient(person, today));
    ids.conditions[person.label] = await write(asthma(person, today));
    ids.relatedPersons[person.label] = [];
    for (const parent of person.parents)
      ids.relatedPersons[person.label].push(await write(relatedPerson(person, parent)));
    ids.ages[person.label] = person.age;
    if (person.objection) ids.objections[person.label] = await write(objection(person, today));
  }
  return ids;
}

/** `YYYY-MM-DD`, `years` years and `days` days before `today` (UTC, so the result does not depend on the TZ). */
export function dateYearsAgo(today: Date, years: number, days = 0): string {
  const date = new Date(Date.UTC(today.getUTCFullYear() - years, today.getUTCMonth(), today.getUTCDate() - days));
  return date.toISOString().slice(0, 10);
}

/**
 * The Medication of a zib/MP9 medication agreement, coded as a Dutch EPD codes it: G-Standaard only
 * (GPK and PRK, no ATC). The codes are the demonstration entries of
 * mappings/valuesets/astma-medicatie-gstandaard.json, where the hospital's real ones go.
 */
function gStandaardMedication(): Medication & { id: string } {
  return {
    resourceType: 'Medication',
    id: idOf(SEED_REFS.gStandaardMedication),
    meta: { profile: ['http://nictiz.nl/fhir/StructureDefinition/nl-core-PharmaceuticalProduct'] },
    code: {
      coding: [
        {
          system: 'urn:oid:2.16.840.1.113883.2.4.4.1',
          code: 'DEMO-GPK-FLUTICASON',
          display: 'Fluticason inhalatie (demo)',
        },
        {
          system: FHIR_SYSTEMS.gStandaardPrk,
          code: 'DEMO-PRK-FLUTICASON',
          display: 'Fluticason inhalatie (demo)',
          userSelected: true,
        },
      ],
      text: 'Fluticason inhalatie',
    },
  };
}

function hospital(): Organization & { id: string } {
  return {
    resourceType: 'Organization',
    id: idOf(SEED_REFS.hospital),
    identifier: [{ system: FHIR_SYSTEMS.ura, value: '99990001' }],
    active: true,
    type: [{ coding: [{ system: FHIR_SYSTEMS.organizationType, code: 'prov', display: 'Healthcare Provider' }] }],
    name: 'Testziekenhuis Midden',
    telecom: [{ system: 'phone', value: '+31300000000', use: 'work' }],
    address: [{ use: 'work', line: ['Ziekenhuislaan 1'], postalCode: '3584 AA', city: 'Utrecht', country: 'NL' }],
  };
}

function department(): Organization & { id: string } {
  return {
    resourceType: 'Organization',
    id: idOf(SEED_REFS.department),
    identifier: [{ system: FHIR_SYSTEMS.sandboxDepartment, value: 'KLZ' }],
    active: true,
    type: [{ coding: [{ system: FHIR_SYSTEMS.organizationType, code: 'dept', display: 'Hospital Department' }] }],
    name: 'Kinderlongziekten',
    alias: ['Kinderlongziekten (kindergeneeskunde)'],
    telecom: [{ system: 'phone', value: '+31300000100', use: 'work' }],
    partOf: { reference: SEED_REFS.hospital, display: 'Testziekenhuis Midden' },
  };
}

function paediatrician(): Practitioner & { id: string } {
  return {
    resourceType: 'Practitioner',
    id: idOf(SEED_REFS.practitioner),
    identifier: [{ system: FHIR_SYSTEMS.agbZ, value: '01999001' }],
    active: true,
    name: [{ use: 'official', family: 'Testarts', given: ['E.'], prefix: ['dr.'], text: 'dr. E. Testarts' }],
    telecom: [{ system: 'phone', value: '+31300000101', use: 'work' }],
    qualification: [{ code: { coding: [SNOMED.paediatrician], text: 'Kinderarts' } }],
  };
}

function patient(person: SeedPerson, today: Date): Patient & { id: string } {
  return {
    resourceType: 'Patient',
    id: person.label,
    identifier: [{ use: 'official', system: FHIR_SYSTEMS.bsn, value: person.bsn }],
    active: true,
    name: [{ use: 'official', family: person.family, given: [person.given], text: `${person.given} ${person.family}` }],
    telecom: [{ system: 'phone', value: person.phone, use: person.parents.length ? 'home' : 'mobile' }],
    gender: person.gender,
    birthDate: dateYearsAgo(today, person.age, person.daysPastBirthday),
    address: [
      {
        use: 'home',
        line: [person.address.line],
        postalCode: person.address.postalCode,
        city: person.address.city,
        country: 'NL',
      },
    ],
    communication: [
      { language: { coding: [{ system: FHIR_SYSTEMS.language, code: 'nl', display: 'Nederlands' }] }, preferred: true },
    ],
    managingOrganization: { reference: SEED_REFS.department, display: 'Kinderlongziekten' },
    generalPractitioner: [{ reference: SEED_REFS.practitioner }],
  };
}

function relatedPerson(person: SeedPerson, parent: SeedParent): RelatedPerson & { id: string } {
  const code = parent.role === 'mother' ? 'MTH' : 'FTH';
  return {
    resourceType: 'RelatedPerson',
    id: `${person.label}-${parent.role}`,
    active: true,
    patient: { reference: `Patient/${person.label}` },
    relationship: [
      {
        coding: [{ system: FHIR_SYSTEMS.v3RoleCode, code, display: parent.role }],
        text: parent.role === 'mother' ? 'moeder' : 'vader',
      },
    ],
    name: [{ use: 'official', family: parent.family, given: [parent.given] }],
    telecom: [
      { system: 'phone', value: parent.mobile, use: 'mobile' },
      { system: 'email', value: parent.email, use: 'home' },
    ],
    gender: parent.role === 'mother' ? 'female' : 'male',
    address: [
      {
        use: 'home',
        line: [person.address.line],
        postalCode: person.address.postalCode,
        city: person.address.city,
        country: 'NL',
      },
    ],
  };
}

function asthma(person: SeedPerson, today: Date): Condition & { id: string } {
  const subject = `Patient/${person.label}`;
  return {
    resourceType: 'Condition',
    id: idOf(asthmaConditionOf(subject)),
    clinicalStatus: { coding: [{ system: FHIR_SYSTEMS.conditionClinical, code: 'active' }] },
    verificationStatus: { coding: [{ system: FHIR_SYSTEMS.conditionVerification, code: 'confirmed' }] },
    category: [{ coding: [{ system: FHIR_SYSTEMS.conditionCategory, code: 'problem-list-item' }] }],
    code: { coding: [SNOMED.asthma], text: 'Astma' },
    subject: { reference: subject },
    // Diagnosed at about age 4, or at the first visit for a younger child.
    onsetDateTime: dateYearsAgo(today, Math.max(person.age - 4, 1)),
    recorder: { reference: SEED_REFS.practitioner },
  };
}

/**
 * The patient's objection as an EPD records it: an active privacy Consent (opt-out) whose
 * provision denies being approached for decision support and outcome questionnaires.
 */
function objection(person: SeedPerson, today: Date): Consent & { id: string } {
  const since = dateYearsAgo(today, 0, 30);
  return {
    resourceType: 'Consent',
    id: `${person.label}-bezwaar-keuzehulp`,
    status: 'active',
    scope: { coding: [{ system: FHIR_SYSTEMS.consentScope, code: 'patient-privacy', display: 'Privacy Consent' }] },
    category: [
      {
        coding: [{ system: FHIR_SYSTEMS.loinc, code: '59284-0', display: 'Patient Consent' }],
        text: 'Bezwaar benaderen voor keuzehulpen',
      },
    ],
    patient: { reference: `Patient/${person.label}` },
    dateTime: since,
    performer: [{ reference: `Patient/${person.label}` }],
    organization: [{ reference: SEED_REFS.hospital }],
    policyRule: { coding: [{ system: FHIR_SYSTEMS.v3ActCode, code: 'OPTOUT', display: 'opt-out' }] },
    provision: {
      type: 'deny',
      period: { start: since },
      purpose: [
        {
          system: CONSENT_PURPOSE_SYSTEM,
          code: 'decision-support-contact',
          display: 'Benaderen voor keuzehulpen en vragenlijsten',
        },
        { system: V3_ACT_REASON, code: 'HOUTCOMS', display: 'health outcome measure' },
      ],
    },
  };
}
