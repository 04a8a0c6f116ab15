import type { CodeableConcept, Resource } from '@medplum/fhirtypes';
import { FHIR_SYSTEMS } from './fhir-systems.js';

/** Patients the corpus spreads its resources over; coprime with the six types, so every type meets every patient. */
const CORPUS_PATIENTS = 25;
/** Codes per coded type; several so `code=` searches select a part of the corpus, not all of it. */
const ATC_CODES = ['R03BA05', 'R03AC02', 'R03DC03'];
const SNOMED_CONDITIONS = ['195967001', '38341003', '44054006'];
const LOINC_CODES = ['8302-2', '29463-7', '8867-4'];
const TASK_CODE_SYSTEM = 'https://sdm-bridge.org/fhir/CodeSystem/corpus-task';

/**
 * Searches over `buildSearchCorpus` that each find a part of it, across the search parameters
 * that R4 shares between many resource types (`patient`, `subject`, `code`, `date`, ...).
 */
export const SEARCH_CORPUS_QUERIES = [
  'Task?patient=Patient/p3',
  'Task?subject=Patient/p3',
  `Task?code=${TASK_CODE_SYSTEM}|invite`,
  'Task?status=requested&patient=Patient/p9',
  'Condition?patient=Patient/p4',
  'Condition?code=http://snomed.info/sct|195967001',
  'Condition?subject=Patient/p4&code=195967001',
  'Observation?patient=Patient/p5&code=http://loinc.org|8302-2',
  'Observation?subject=Patient/p5',
  'Observation?date=ge2025-06-01',
  'MedicationRequest?code=http://www.whocc.no/atc|R03BA05',
  'MedicationRequest?patient=Patient/p6',
  'MedicationRequest?category=http://snomed.info/sct|16076005',
  'Encounter?patient=Patient/p7',
  'Encounter?date=ge2025-03-01&date=lt2025-09-01',
  'Encounter?reason-code=195967001',
  'CarePlan?patient=Patient/p8',
  'CarePlan?date=ge2025-04-01',
  'CarePlan?category=http://snomed.info/sct|736271009',
];

/**
 * `count` resources of six clinical types over 25 patients, deterministic, for search tests and
 * timing; with `only`, `count` resources of that one type (the in-memory store scans per type).
 */
export function buildSearchCorpus(count: number, only?: Resource['resourceType']): Resource[] {
  const resources: Resource[] = [];
  for (let i = 0; resources.length < count; i++) {
    const resource = corpusResource(i);
    if (!only || resource.resourceType === only) resources.push(resource);
  }
  return resources;
}

function corpusResource(i: number): Resource {
  const subject = { reference: `Patient/p${i % CORPUS_PATIENTS}` };
  const day = new Date(Date.UTC(2025, 0, 1 + ((i * 7) % 365))).toISOString();
  // By the round, not by i: i % 6 already fixes the type, and would fix the code with it.
  const pick = <T>(list: T[]): T => list[Math.floor(i / 6) % list.length] as T;
  switch (i % 6) {
    case 0:
      return {
        resourceType: 'Task',
        status: pick(['requested', 'completed', 'cancelled'] as const),
        intent: 'proposal',
        code: { coding: [{ system: TASK_CODE_SYSTEM, code: pick(['invite', 'remind']) }] },
        for: subject,
        authoredOn: day,
      };
    case 1:
      return {
        resourceType: 'Condition',
        subject,
        code: concept('http://snomed.info/sct', pick(SNOMED_CONDITIONS)),
        recordedDate: day,
      };
    case 2:
      return {
        resourceType: 'Observation',
        status: 'final',
        subject,
        code: concept('http://loinc.org', pick(LOINC_CODES)),
        effectiveDateTime: day,
      };
    case 3:
      return {
        resourceType: 'MedicationRequest',
        status: 'active',
        intent: 'order',
        subject,
        category: [concept('http://snomed.info/sct', '16076005')],
        medicationCodeableConcept: concept(FHIR_SYSTEMS.atc, pick(ATC_CODES)),
        authoredOn: day,
      };
    case 4:
      return {
        resourceType: 'Encounter',
        status: 'finished',
        class: { system: FHIR_SYSTEMS.v3ActCode, code: 'AMB' },
        subject,
        period: { start: day, end: day },
        reasonCode: [concept('http://snomed.info/sct', pick(SNOMED_CONDITIONS))],
      };
    default:
      return {
        resourceType: 'CarePlan',
        status: 'active',
        intent: 'plan',
        subject,
        category: [concept('http://snomed.info/sct', '736271009')],
        period: { start: day },
      };
  }
}

function concept(system: string, code: string): CodeableConcept {
  return { coding: [{ system, code }] };
}
