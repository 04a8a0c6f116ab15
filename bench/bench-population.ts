import type { MemoryRepository } from '@medplum/fhir-router';
import type { Patient, RelatedPerson, Resource } from '@medplum/fhirtypes';
import { FHIR_SYSTEMS } from '../src/sandbox/fhir-systems.js';
import { dateYearsAgo, evaluationVisit, medicationAgreement, treatmentPlan } from '../src/sandbox/seed-patients.js';
import { SEED_REFS } from '../src/sandbox/seed-refs.js';

/** A stored resource version: what an event points at. */
export interface StoredVersion {
  resourceType: string;
  id: string;
  versionId: string;
  /** The patient's age on the day, for the report. */
  age: number;
}

/** Departments of the adults in the population: none of the example triggers is for them. */
const ADULT_DEPARTMENTS = ['cardiologie', 'longziekten', 'interne-geneeskunde', 'reumatologie'];
/** Medicines of a hospital's daily medication changes; R03 (asthma) is one group among many. */
const OTHER_ATC = ['C09AA02', 'N02BE01', 'A10AB05', 'B01AC06', 'C07AB02', 'J01CA04', 'H02AB06', 'N06AB06'];
/** Reasons of visits that are not asthma: diabetes, hypertension, arthritis, epilepsy, heart failure. */
const OTHER_REASONS = ['46635009', '38341003', '69896004', '84757009', '84114007'];
const SNOMED = 'http://snomed.info/sct';

/**
 * Patients `bench-<n>` (a child when `isChild(n)`, with mother and father as RelatedPersons) in the
 * repository, written directly (the bench's EPD already holds them). Ages repeat over 0–17 for
 * children and 18–90 for adults, so every age rule of the example files meets its patients.
 */
export async function seedPatients(
  repo: MemoryRepository,
  count: number,
  isChild: (n: number) => boolean,
  today = new Date(),
): Promise<number[]> {
  const ages: number[] = [];
  for (let n = 0; n < count; n++) {
    const child = isChild(n);
    const age = child ? n % 18 : 18 + (n % 73);
    ages.push(age);
    const patient: Patient = {
      resourceType: 'Patient',
      id: `bench-${n}`,
      identifier: [{ system: FHIR_SYSTEMS.bsn, value: String(999_900_000 + n) }],
      active: true,
      name: [{ family: 'Benchtest', given: [`Proef${n}`] }],
      telecom: contact(`bench-${n}`),
      gender: n % 2 ? 'female' : 'male',
      birthDate: dateYearsAgo(today, age, 40 + (n % 200)),
      managingOrganization: {
        reference: child ? SEED_REFS.department : `Organization/${ADULT_DEPARTMENTS[n % ADULT_DEPARTMENTS.length]}`,
      },
    };
    await repo.createResource(patient);
    if (child) for (const code of ['MTH', 'FTH']) await repo.createResource(parent(n, code));
  }
  return ages;
}

function parent(n: number, code: string): RelatedPerson {
  return {
    resourceType: 'RelatedPerson',
    id: `bench-${n}-${code.toLowerCase()}`,
    active: true,
    patient: { reference: `Patient/bench-${n}` },
    relationship: [{ coding: [{ system: FHIR_SYSTEMS.v3RoleCode, code }] }],
    name: [{ family: 'Benchtest', given: [code === 'MTH' ? 'Moeder' : 'Vader'] }],
    telecom: contact(`bench-${n}-${code.toLowerCase()}`),
  };
}

/** A mobile number and an e-mail address: without a contact channel an invitation is only recorded, not sent. */
function contact(id: string): Patient['telecom'] {
  return [
    { system: 'phone', value: '+31600000000', use: 'mobile' },
    { system: 'email', value: `${id}@example.org`, use: 'home' },
  ];
}

/**
 * The change behind event `i` for patient `n`: a medication agreement, a treatment plan or a
 * finished visit. `keyMoment` makes it one the example triggers act on (asthma medicine, asthma
 * plan, asthma visit at the department); otherwise it is the everyday change nobody is invited for.
 */
export function changeFor(i: number, n: number, keyMoment: boolean): Resource {
  const patient = `Patient/bench-${n}`;
  const kind = i % 10;
  if (kind < 6) {
    return medicationAgreement(
      patient,
      keyMoment
        ? { atc: i % 2 ? 'R03BA05' : 'R03AK06', prk: '55727' }
        : { atc: OTHER_ATC[i % OTHER_ATC.length]!, text: 'Medicatie' },
    );
  }
  if (kind < 9) {
    const visit = evaluationVisit(patient);
    return keyMoment
      ? visit
      : { ...visit, reasonCode: [{ coding: [{ system: SNOMED, code: OTHER_REASONS[i % OTHER_REASONS.length]! }] }] };
  }
  const plan = treatmentPlan(patient);
  return keyMoment
    ? plan
    : {
        ...plan,
        activity: [
          {
            detail: {
              kind: 'ServiceRequest',
              code: { coding: [{ system: SNOMED, code: '385804009' }] },
              status: 'scheduled',
            },
          },
        ],
      };
}

/** Writes a change into the repository, as the EPD stores it before it notifies. */
export async function store(repo: MemoryRepository, resource: Resource, age: number): Promise<StoredVersion> {
  const stored = await repo.createResource(resource);
  return { resourceType: stored.resourceType, id: stored.id, versionId: stored.meta?.versionId ?? '1', age };
}
