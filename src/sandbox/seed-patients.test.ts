import { Operator, validateResource } from '@medplum/core';
import { MemoryRepository } from '@medplum/fhir-router';
import type {
  CarePlan,
  Encounter,
  MedicationRequest,
  Organization,
  Patient,
  RelatedPerson,
  Resource,
} from '@medplum/fhirtypes';
import { ageOnDate } from '../rules/age-on-date.js';
import { loadFhirDefinitions } from '../shared/fhir-definitions.js';
import { FHIR_SYSTEMS } from './fhir-systems.js';
import {
  dateYearsAgo,
  evaluationVisit,
  medicationAgreement,
  SEED_PATIENT_LABELS,
  SEED_REFS,
  seedSandbox,
  treatmentPlan,
  type SeedIds,
} from './seed-patients.js';

/** The Dutch BSN "11-test": 9·d1 + 8·d2 + … + 2·d8 − d9 is a multiple of 11. */
function passesElevenTest(bsn: string): boolean {
  if (!/^\d{9}$/.test(bsn)) return false;
  const digits = [...bsn].map(Number);
  const sum = digits.slice(0, 8).reduce((acc, d, i) => acc + d * (9 - i), 0) - (digits[8] ?? 0);
  return sum % 11 === 0;
}

async function read<T extends Resource>(repo: MemoryRepository, reference: string): Promise<T> {
  const [type, id] = reference.split('/') as [string, string];
  return repo.readResource<T>(type, id);
}

beforeAll(() => loadFhirDefinitions());

describe('dateYearsAgo', () => {
  it.each([
    ['2026-05-10', 7, 0, '2019-05-10'],
    ['2026-05-10', 7, 40, '2019-03-31'],
    ['2024-02-29', 1, 0, '2023-03-01'],
    ['2026-01-05', 13, 10, '2012-12-26'],
  ])('on %s, %i years and %i days ago is %s', (today, years, days, expected) => {
    expect(dateYearsAgo(new Date(`${today}T12:00:00Z`), years, days)).toBe(expected);
  });
});

describe.each(['2026-01-01', '2024-02-29', '2025-12-31', new Date().toISOString().slice(0, 10)])(
  'seedSandbox on %s',
  (day) => {
    let repo: MemoryRepository;
    let ids: SeedIds;
    beforeAll(async () => {
      repo = new MemoryRepository();
      ids = await seedSandbox(repo, { today: new Date(`${day}T08:00:00Z`) });
    });

    it.each(SEED_PATIENT_LABELS.map((label) => [label]))('%s has the age in its label on that day', async (label) => {
      const patient = await read<Patient>(repo, ids.patients[label]);
      expect(ageOnDate(patient.birthDate ?? '', day)).toBe(ids.ages[label]);
      expect(label).toMatch(new RegExp(`${ids.ages[label]}$`));
    });
  },
);

describe('seedSandbox', () => {
  let repo: MemoryRepository;
  let ids: SeedIds;
  beforeAll(async () => {
    repo = new MemoryRepository();
    ids = await seedSandbox(repo);
  });

  it('writes only resources that pass validation', async () => {
    const types = ['Organization', 'Practitioner', 'Patient', 'RelatedPerson', 'Condition'] as const;
    let count = 0;
    for (const resourceType of types) {
      for (const resource of await repo.searchResources({ resourceType })) {
        expect(() => validateResource(resource)).not.toThrow();
        count++;
      }
    }
    expect(count).toBe(3 + SEED_PATIENT_LABELS.length * 2 + Object.values(ids.relatedPersons).flat().length);
  });

  it.each(SEED_PATIENT_LABELS.map((label) => [label]))(
    '%s has a valid test BSN, Dutch address, phone and the department',
    async (label) => {
      const patient = await read<Patient>(repo, ids.patients[label]);
      const bsn = patient.identifier?.find((i) => i.system === FHIR_SYSTEMS.bsn)?.value ?? '';
      expect(passesElevenTest(bsn)).toBe(true);
      expect(patient.address?.[0]).toMatchObject({
        country: 'NL',
        postalCode: expect.stringMatching(/^\d{4} [A-Z]{2}$/),
      });
      expect(patient.telecom?.some((t) => t.system === 'phone')).toBe(true);
      expect(patient.managingOrganization?.reference).toBe(ids.department);
    },
  );

  it('gives every patient a different BSN', async () => {
    const patients = await repo.searchResources<Patient>({ resourceType: 'Patient' });
    const bsns = new Set(patients.map((p) => p.identifier?.[0]?.value));
    expect(bsns.size).toBe(SEED_PATIENT_LABELS.length);
  });

  it.each(SEED_PATIENT_LABELS.map((label) => [label]))('%s has an active asthma Condition', async (label) => {
    const condition = await repo.searchOne({
      resourceType: 'Condition',
      filters: [
        { code: 'subject', operator: Operator.EQUALS, value: ids.patients[label] },
        { code: 'code', operator: Operator.EQUALS, value: 'http://snomed.info/sct|195967001' },
      ],
    });
    expect(condition && `Condition/${condition.id}`).toBe(ids.conditions[label]);
  });

  it.each(['child7', 'child13', 'child16', 'child17'] as const)(
    '%s has parents with MTH/FTH and telecom',
    async (label) => {
      expect(ids.relatedPersons[label].length).toBeGreaterThanOrEqual(1);
      for (const reference of ids.relatedPersons[label]) {
        const parent = await read<RelatedPerson>(repo, reference);
        expect(parent.patient.reference).toBe(ids.patients[label]);
        expect(parent.relationship?.[0]?.coding?.[0]).toMatchObject({
          system: FHIR_SYSTEMS.v3RoleCode,
          code: expect.stringMatching(/^(MTH|FTH)$/),
        });
        expect(parent.telecom?.length).toBeGreaterThan(0);
      }
    },
  );

  it('gives the adult no parents', () => {
    expect(ids.relatedPersons.adult19).toEqual([]);
  });

  it('places the department under the hospital, which has a URA number', async () => {
    const department = await read<Organization>(repo, ids.department);
    const hospital = await read<Organization>(repo, ids.hospital);
    expect(department.name).toBe('Kinderlongziekten');
    expect(department.partOf?.reference).toBe(ids.hospital);
    expect(hospital.identifier?.[0]?.system).toBe(FHIR_SYSTEMS.ura);
  });

  it('is repeatable: seeding again adds no resources', async () => {
    const before = (await repo.searchResources({ resourceType: 'Patient' })).length;
    await seedSandbox(repo);
    expect((await repo.searchResources({ resourceType: 'Patient' })).length).toBe(before);
  });
});

describe('trigger builders', () => {
  const cases: [string, () => Resource][] = [
    ['medication agreement', () => medicationAgreement('child13', { atc: 'R03BA05' })],
    [
      'medication agreement with PRK, HPK and encounter',
      () =>
        medicationAgreement('Patient/child13', {
          atc: 'R03AK06',
          prk: '12345',
          hpk: '67890',
          encounter: 'Encounter/e1',
          status: 'stopped',
        }),
    ],
    ['treatment plan', () => treatmentPlan('child16')],
    ['evaluation visit', () => evaluationVisit('child17', { end: '2026-03-02T10:20:00+01:00' })],
  ];

  it.each(cases)('%s passes validation', (_name, build) => {
    expect(() => validateResource(build())).not.toThrow();
  });

  it('builds a medicatieafspraak with ATC, PRK and a Dutch dosage', () => {
    const ma: MedicationRequest = medicationAgreement('child13', { atc: 'R03BA05', prk: '12345' });
    expect(ma.category?.[0]?.coding?.[0]).toMatchObject({ system: FHIR_SYSTEMS.snomed, code: '16076005' });
    expect(ma.medicationCodeableConcept?.coding).toEqual([
      { system: FHIR_SYSTEMS.atc, code: 'R03BA05', display: 'fluticasone' },
      { system: FHIR_SYSTEMS.gStandaardPrk, code: '12345' },
    ]);
    expect(ma.dosageInstruction?.[0]?.text).toMatch(/daags/);
    expect(ma.subject.reference).toBe('Patient/child13');
    expect(ma.status).toBe('active');
  });

  it('builds a treatment plan that addresses the seeded asthma Condition', () => {
    const plan: CarePlan = treatmentPlan('Patient/child16');
    expect(plan).toMatchObject({
      status: 'active',
      intent: 'plan',
      addresses: [{ reference: 'Condition/child16-asthma' }],
    });
    expect(treatmentPlan('child16', { condition: 'Condition/x' }).addresses?.[0]?.reference).toBe('Condition/x');
  });

  it('builds a finished AMB visit for asthma at the department', () => {
    const visit: Encounter = evaluationVisit('child17', { end: '2026-03-02T09:20:00Z' });
    expect(visit.class).toMatchObject({ system: FHIR_SYSTEMS.v3ActCode, code: 'AMB' });
    expect(visit.status).toBe('finished');
    expect(visit.reasonCode?.[0]?.coding?.[0]?.code).toBe('195967001');
    expect(visit.serviceProvider?.reference).toBe(SEED_REFS.department);
    expect(visit.period).toEqual({ start: '2026-03-02T09:00:00.000Z', end: '2026-03-02T09:20:00Z' });
  });
});
