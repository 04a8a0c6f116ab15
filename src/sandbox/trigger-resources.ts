import { randomUUID } from 'node:crypto';
import type { CarePlan, Coding, Encounter, MedicationRequest } from '@medplum/fhirtypes';
import { FHIR_SYSTEMS, SNOMED } from './fhir-systems.js';
import { asthmaConditionOf, patientReference, SEED_REFS } from './seed-refs.js';

/** A usual outpatient control visit in paediatric pulmonology, in minutes. */
const VISIT_MINUTES = 20;

/** Asthma medicines the builders know by ATC code: WHO name and a Dutch default dosage. */
const ASTHMA_MEDICINES: Record<string, { display: string; text: string; dosage: string }> = {
  R03BA05: {
    display: 'fluticasone',
    text: 'Fluticason inhalatie',
    dosage: '2 maal daags 1 inhalatie (via voorzetkamer)',
  },
  R03BA02: { display: 'budesonide', text: 'Budesonide inhalatie', dosage: '2 maal daags 1 inhalatie' },
  R03AK06: {
    display: 'salmeterol and fluticasone',
    text: 'Salmeterol/fluticason inhalatie',
    dosage: '2 maal daags 1 inhalatie',
  },
  R03AK07: {
    display: 'formoterol and budesonide',
    text: 'Formoterol/budesonide inhalatie',
    dosage: '2 maal daags 1 inhalatie',
  },
  R03AC02: {
    display: 'salbutamol',
    text: 'Salbutamol inhalatie',
    dosage: 'zo nodig 1 tot 2 inhalaties, maximaal 8 per dag',
  },
  R03DC03: {
    display: 'montelukast',
    text: 'Montelukast kauwtablet',
    dosage: '1 maal daags 1 kauwtablet, voor het slapengaan',
  },
};

/** What a medication agreement may vary; everything else has a realistic default. */
export interface MedicationAgreementOptions {
  /** ATC code, e.g. `R03BA05` (fluticasone). */
  atc: string;
  /** G-Standaard PRK; HiX sends it with the ATC when the prescription names a product. */
  prk?: string;
  /** G-Standaard HPK, for an agreement on one trade product. */
  hpk?: string;
  /** Shown with the codes; defaults to the Dutch name of a known ATC code. */
  text?: string;
  status?: MedicationRequest['status'];
  /** Dutch dosage instruction text. */
  dosageText?: string;
  /** ISO 8601 date-time; defaults to now. */
  authoredOn?: string;
  /** `Encounter/id` the agreement was made in. */
  encounter?: string;
  /** Defaults to the seeded paediatrician. */
  requester?: string;
  /** The agreement's identifier value; a new UUID by default. */
  identifier?: string;
}

/**
 * A Dutch medication agreement ("medicatieafspraak") as HiX publishes it: a MedicationRequest
 * with category SNOMED 16076005, the medicine as ATC (and PRK/HPK when given) codings.
 */
export function medicationAgreement(patient: string, options: MedicationAgreementOptions): MedicationRequest {
  const known = ASTHMA_MEDICINES[options.atc];
  const coding: Coding[] = [
    { system: FHIR_SYSTEMS.atc, code: options.atc, ...(known ? { display: known.display } : {}) },
  ];
  if (options.prk) coding.push({ system: FHIR_SYSTEMS.gStandaardPrk, code: options.prk });
  if (options.hpk) coding.push({ system: FHIR_SYSTEMS.gStandaardHpk, code: options.hpk });
  const dosage = options.dosageText ?? known?.dosage;
  return {
    resourceType: 'MedicationRequest',
    identifier: [{ system: FHIR_SYSTEMS.sandboxMedicationAgreement, value: options.identifier ?? randomUUID() }],
    status: options.status ?? 'active',
    intent: 'order',
    category: [{ coding: [SNOMED.medicationAgreement], text: 'Medicatieafspraak' }],
    medicationCodeableConcept: { coding, text: options.text ?? known?.text ?? options.atc },
    subject: { reference: patientReference(patient) },
    ...(options.encounter ? { encounter: { reference: options.encounter } } : {}),
    authoredOn: options.authoredOn ?? new Date().toISOString(),
    requester: { reference: options.requester ?? SEED_REFS.practitioner },
    reasonCode: [{ coding: [SNOMED.asthma], text: 'Astma' }],
    ...(dosage ? { dosageInstruction: [{ text: dosage }] } : {}),
  };
}

/**
 * A medication agreement as zib2020/MP9 records it (like nl-core-MedicationAgreement-01): the
 * product is a separate Medication the agreement refers to (`medicationReference`), coded with
 * G-Standaard codes only; the events job reads that Medication with the other facts.
 */
export function zibMedicationAgreement(
  patient: string,
  medication: string = SEED_REFS.gStandaardMedication,
): MedicationRequest {
  return {
    resourceType: 'MedicationRequest',
    meta: { profile: ['http://nictiz.nl/fhir/StructureDefinition/nl-core-MedicationAgreement'] },
    identifier: [{ system: FHIR_SYSTEMS.sandboxMedicationAgreement, value: randomUUID() }],
    status: 'active',
    intent: 'order',
    category: [{ coding: [SNOMED.medicationAgreement] }],
    medicationReference: { reference: medication, type: 'Medication' },
    subject: { reference: patientReference(patient), type: 'Patient' },
    authoredOn: new Date().toISOString(),
    requester: { reference: SEED_REFS.practitioner },
    dosageInstruction: [{ text: '2 maal daags 1 inhalatie' }],
  };
}

/** What a treatment plan may vary. */
export interface TreatmentPlanOptions {
  /** `Condition/id` the plan addresses; defaults to the patient's seeded asthma Condition. */
  condition?: string;
  status?: CarePlan['status'];
  title?: string;
  description?: string;
  /** ISO 8601 date-time; defaults to now. */
  created?: string;
  /** Defaults to the seeded paediatrician. */
  author?: string;
  identifier?: string;
}

/**
 * A treatment plan (CarePlan, active, intent plan) for the patient's asthma. The category is
 * SNOMED 736271009 "Outpatient care plan"; the plan is about asthma through `addresses` and its
 * activity (406162001 "Asthma management").
 */
export function treatmentPlan(patient: string, options: TreatmentPlanOptions = {}): CarePlan {
  const subject = patientReference(patient);
  return {
    resourceType: 'CarePlan',
    identifier: [{ system: FHIR_SYSTEMS.sandboxCarePlan, value: options.identifier ?? randomUUID() }],
    status: options.status ?? 'active',
    intent: 'plan',
    category: [{ coding: [SNOMED.outpatientCarePlan], text: 'Behandelplan' }],
    title: options.title ?? 'Behandelplan astma',
    description: options.description ?? 'Keuze in onderhoudsbehandeling astma, samen met kind en ouders',
    subject: { reference: subject },
    created: options.created ?? new Date().toISOString(),
    author: { reference: options.author ?? SEED_REFS.practitioner },
    addresses: [{ reference: options.condition ?? asthmaConditionOf(subject) }],
    activity: [
      { detail: { kind: 'ServiceRequest', code: { coding: [SNOMED.asthmaManagement] }, status: 'scheduled' } },
    ],
  };
}

/** What an evaluation visit may vary. */
export interface EvaluationVisitOptions {
  status?: Encounter['status'];
  /** ISO 8601 date-times; the visit defaults to the last 20 minutes. */
  start?: string;
  end?: string;
  /** Defaults to the seeded department. */
  serviceProvider?: string;
  /** Defaults to the seeded paediatrician. */
  practitioner?: string;
  identifier?: string;
}

/** A finished outpatient visit (class AMB) for asthma at the department: the evaluation moment. */
export function evaluationVisit(patient: string, options: EvaluationVisitOptions = {}): Encounter {
  const end = options.end ?? new Date().toISOString();
  const start = options.start ?? new Date(Date.parse(end) - VISIT_MINUTES * 60_000).toISOString();
  return {
    resourceType: 'Encounter',
    identifier: [{ system: FHIR_SYSTEMS.sandboxEncounter, value: options.identifier ?? randomUUID() }],
    status: options.status ?? 'finished',
    class: { system: FHIR_SYSTEMS.v3ActCode, code: 'AMB', display: 'ambulatory' },
    type: [{ text: 'Controle astma' }],
    subject: { reference: patientReference(patient) },
    participant: [{ individual: { reference: options.practitioner ?? SEED_REFS.practitioner } }],
    period: { start, end },
    reasonCode: [{ coding: [SNOMED.asthma], text: 'Astma' }],
    serviceProvider: { reference: options.serviceProvider ?? SEED_REFS.department },
  };
}
