import type { Condition, Encounter, Observation, Patient, Procedure, RelatedPerson } from '@medplum/fhirtypes';
import type { RuleFacts } from '../src/rules/types.js';
import { dateYearsAgo, evaluationVisit, medicationAgreement, treatmentPlan } from '../src/sandbox/seed-patients.js';

const SNOMED = 'http://snomed.info/sct';
/** Fixed "now" so every run evaluates exactly the same facts. */
const OCCURRED_AT = '2025-06-02T10:00:00.000Z';
const TODAY = new Date(OCCURRED_AT);

type WithId<T> = T & { id: string };

/**
 * The events the rules benchmark evaluates, in the mix an EPD sends: medication agreements (half
 * of all changes, mostly for adults and other medicines), visits, treatment plans, diagnoses,
 * lab results and operations. Only a few match a trigger of the example files.
 */
export function ruleBenchEvents(): RuleFacts[] {
  const child = patient('kind-13', 13, 'kinderlongziekten');
  const adult = patient('volwassene-54', 54, 'cardiologie');
  const toddler = patient('kind-6', 6, 'kindergeneeskunde');
  const at = (p: WithId<Patient>, resource: RuleFacts['resource'], extra: Partial<RuleFacts> = {}): RuleFacts => ({
    resource,
    interaction: 'create',
    occurredAt: OCCURRED_AT,
    patient: p,
    relatedPersons: parentsOf(p),
    ...extra,
  });
  const visit = (p: WithId<Patient>, reason: string, department: string) =>
    withId(
      {
        ...evaluationVisit(`Patient/${p.id}`, { end: OCCURRED_AT, serviceProvider: `Organization/${department}` }),
        reasonCode: [{ coding: [{ system: SNOMED, code: reason }] }],
      },
      `${p.id}-visit`,
    ) as WithId<Encounter>;
  const asthmaVisit = visit(child, '195967001', 'kinderlongziekten');
  const heartVisit = visit(adult, '84114007', 'cardiologie');
  return [
    at(
      child,
      withId(
        medicationAgreement(`Patient/${child.id}`, { atc: 'R03BA05', prk: '55727', authoredOn: OCCURRED_AT }),
        'ma-1',
      ),
    ),
    at(
      adult,
      withId(
        medicationAgreement(`Patient/${adult.id}`, { atc: 'C09AA02', text: 'Enalapril', authoredOn: OCCURRED_AT }),
        'ma-2',
      ),
    ),
    at(
      adult,
      withId(
        medicationAgreement(`Patient/${adult.id}`, {
          atc: 'B01AC06',
          text: 'Acetylsalicylzuur',
          authoredOn: OCCURRED_AT,
        }),
        'ma-3',
      ),
    ),
    at(
      toddler,
      withId(
        medicationAgreement(`Patient/${toddler.id}`, { atc: 'J01CA04', text: 'Amoxicilline', authoredOn: OCCURRED_AT }),
        'ma-4',
      ),
    ),
    at(child, asthmaVisit, { interaction: 'update', encounter: asthmaVisit }),
    at(adult, heartVisit, { interaction: 'update', encounter: heartVisit }),
    at(toddler, withId(treatmentPlan(`Patient/${toddler.id}`, { created: OCCURRED_AT }), 'plan-1')),
    at(adult, condition(adult, '38341003')),
    at(adult, observation(adult)),
    at(adult, procedure(adult, '80146002')),
  ];
}

function patient(id: string, age: number, department: string): WithId<Patient> {
  return {
    resourceType: 'Patient',
    id,
    birthDate: dateYearsAgo(TODAY, age, 40),
    managingOrganization: { reference: `Organization/${department}` },
  };
}

function parentsOf(p: WithId<Patient>): WithId<RelatedPerson>[] {
  return ['MTH', 'FTH'].map((code) => ({
    resourceType: 'RelatedPerson',
    id: `${p.id}-${code}`,
    active: true,
    patient: { reference: `Patient/${p.id}` },
    relationship: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode', code }] }],
  }));
}

function condition(p: WithId<Patient>, code: string): WithId<Condition> {
  return {
    resourceType: 'Condition',
    id: `${p.id}-condition-${code}`,
    verificationStatus: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed' }],
    },
    code: { coding: [{ system: SNOMED, code }] },
    subject: { reference: `Patient/${p.id}` },
  };
}

function observation(p: WithId<Patient>): WithId<Observation> {
  return {
    resourceType: 'Observation',
    id: `${p.id}-hba1c`,
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '4548-4' }] },
    subject: { reference: `Patient/${p.id}` },
    valueQuantity: { value: 53, unit: 'mmol/mol' },
  };
}

function procedure(p: WithId<Patient>, code: string): WithId<Procedure> {
  return {
    resourceType: 'Procedure',
    id: `${p.id}-procedure-${code}`,
    status: 'completed',
    code: { coding: [{ system: SNOMED, code }] },
    subject: { reference: `Patient/${p.id}` },
  };
}

function withId<T extends object>(resource: T, id: string): T & { id: string } {
  return { ...resource, id };
}
