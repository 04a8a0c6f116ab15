import type { Encounter, Patient, RelatedPerson, Resource } from '@medplum/fhirtypes';
import { FHIR_SYSTEMS } from '../sandbox/fhir-systems.js';
import { SEED_REFS } from '../sandbox/seed-refs.js';
import { evaluationVisit, medicationAgreement, treatmentPlan } from '../sandbox/trigger-resources.js';
import { between, pick } from './seeded-random.js';

/** The decision aids of the fixture mappings (test/fixtures/chaos-mappings). */
const ASTHMA_AID = 'astma-kind';
const POSITIVE_HEALTH_AID = 'positieve-gezondheid-kind';

/** What happened to the patient, and so which key moment (if any) it is. */
export type CaseKind = 'medication' | 'treatment' | 'evaluation-visit' | 'evaluation-stay' | 'adult' | 'not-asthma';

/** How often each kind occurs: mostly key moments, with changes that must lead to nothing in between. */
const KIND_WEIGHTS: readonly [CaseKind, number][] = [
  ['medication', 30],
  ['treatment', 20],
  ['evaluation-visit', 20],
  ['evaluation-stay', 10],
  ['adult', 10],
  ['not-asthma', 10],
];

/** A paracetamol agreement (ATC N02BE01): a medication change, but not an asthma one. */
const NOT_ASTHMA_ATC = 'N02BE01';
/** Asthma medicines the cases draw from (ATC group R03). */
const ASTHMA_ATC = ['R03BA05', 'R03BA02', 'R03AK06', 'R03AK07', 'R03AC02', 'R03DC03'];

/** One patient with one change in the EPD, and the invitations that change must lead to. */
export interface ChaosCase {
  kind: CaseKind;
  age: number;
  patient: Patient & { id: string };
  guardians: (RelatedPerson & { id: string })[];
  /** The changed resource, as stored in the EPD (with id and version). */
  resource: Resource & { id: string };
  /** `focus|aid|recipient` of every invitation Task that must follow (focus is `Type/id`). */
  expected: string[];
}

/**
 * `count` patients, each with one change, built by construction with the invitations each must get:
 * children of known age at the department, so "who is invited" follows the age bands of the fixture
 * mappings (under 12: the guardians; 12–15: the child and the guardians; 16–17: the patient). One
 * change per patient keeps the per-patient throttles out of the expectation.
 */
export function buildPopulation(count: number, random: () => number, today = new Date()): ChaosCase[] {
  const cases: ChaosCase[] = [];
  for (let i = 0; i < count; i++) {
    const kind = drawKind(random);
    const age = kind === 'adult' ? between(random, 18, 80) : between(random, 0, 17);
    const patient = chaosPatient(i, age, random, today);
    const guardians = age < 18 ? Array.from({ length: between(random, 1, 2) }, (_, g) => guardian(patient.id, g)) : [];
    const resource = { ...changeOf(kind, `Patient/${patient.id}`, random), id: `chaos-${i}` } as Resource & {
      id: string;
    };
    cases.push({
      kind,
      age,
      patient,
      guardians,
      resource,
      expected: expectedInvitations(kind, age, patient, guardians, resource),
    });
  }
  return cases;
}

/** The invitations of one case, from the mapping rules written out by hand (independent of the service). */
export function expectedInvitations(
  kind: CaseKind,
  age: number,
  patient: Patient & { id: string },
  guardians: { id: string }[],
  resource: Resource & { id: string },
): string[] {
  const aids =
    kind === 'evaluation-visit'
      ? [ASTHMA_AID, POSITIVE_HEALTH_AID]
      : ['medication', 'treatment', 'evaluation-stay'].includes(kind)
        ? [ASTHMA_AID]
        : [];
  const focus = `${resource.resourceType}/${resource.id}`;
  const patientRef = `Patient/${patient.id}`;
  const guardianRefs = guardians.map((g) => `RelatedPerson/${g.id}`);
  const recipients = age < 12 ? guardianRefs : age < 16 ? [patientRef, ...guardianRefs] : [patientRef];
  return aids.flatMap((aid) => recipients.map((recipient) => `${focus}|${aid}|${recipient}`));
}

function drawKind(random: () => number): CaseKind {
  const total = KIND_WEIGHTS.reduce((sum, [, weight]) => sum + weight, 0);
  let draw = random() * total;
  for (const [kind, weight] of KIND_WEIGHTS) {
    draw -= weight;
    if (draw < 0) return kind;
  }
  return 'medication';
}

function changeOf(kind: CaseKind, patient: string, random: () => number): Resource {
  switch (kind) {
    case 'medication':
    case 'adult':
      return medicationAgreement(patient, { atc: pick(random, ASTHMA_ATC) });
    case 'not-asthma':
      return medicationAgreement(patient, { atc: NOT_ASTHMA_ATC, text: 'Paracetamol' });
    case 'treatment':
      return treatmentPlan(patient);
    case 'evaluation-visit':
      return evaluationVisit(patient);
    case 'evaluation-stay':
      return {
        ...evaluationVisit(patient),
        class: { system: FHIR_SYSTEMS.v3ActCode, code: 'IMP', display: 'inpatient encounter' },
      } satisfies Encounter;
  }
}

/** An obviously fictional patient of the department; the birthday is well away from today, so the age holds all run. */
function chaosPatient(i: number, age: number, random: () => number, today: Date): Patient & { id: string } {
  const born = new Date(
    Date.UTC(today.getUTCFullYear() - age, today.getUTCMonth(), today.getUTCDate() - between(random, 10, 300)),
  );
  return {
    resourceType: 'Patient',
    id: `chaos-patient-${i}`,
    active: true,
    name: [{ family: 'Chaostest', given: [`Proef${i}`] }],
    birthDate: born.toISOString().slice(0, 10),
    telecom: [{ system: 'phone', value: '+31600000000', use: 'mobile' }],
    managingOrganization: { reference: SEED_REFS.department },
  };
}

function guardian(patientId: string, g: number): RelatedPerson & { id: string } {
  return {
    resourceType: 'RelatedPerson',
    id: `${patientId}-guardian-${g}`,
    active: true,
    patient: { reference: `Patient/${patientId}` },
    relationship: [{ coding: [{ system: FHIR_SYSTEMS.v3RoleCode, code: g === 0 ? 'MTH' : 'FTH' }] }],
    name: [{ family: 'Chaostest', given: [g === 0 ? 'Ouder' : 'Voogd'] }],
    telecom: [
      { system: 'email', value: 'ouder@example.org', use: 'home' },
      { system: 'phone', value: '+31600000001', use: 'mobile' },
    ],
  };
}
