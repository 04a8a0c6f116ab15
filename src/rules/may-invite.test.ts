import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import type { Consent, Encounter, Patient, RelatedPerson, Resource } from '@medplum/fhirtypes';
import { evaluationVisit, medicationAgreement, treatmentPlan } from '../sandbox/trigger-resources.js';
import { evaluateRules } from './evaluate-rules.js';
import { loadMappings } from './load-mappings.js';
import { mayInvite } from './may-invite.js';
import type { RuleFacts } from './types.js';

const SHIPPED = fileURLToPath(new URL('../../mappings', import.meta.url));
const SECRETS = { ASTMA_KEUZEHULP_TOKEN: 'demo-token', POSITIEVE_GEZONDHEID_LINK_SECRET: 'x'.repeat(64) };
const mappings = await loadMappings(SHIPPED, SECRETS);
const OCCURRED_AT = '2026-05-01T10:15:00+02:00';
const DEPARTMENT = 'Organization/kinderlongziekten';
const ATC_CODES = ['R03BA05', 'R03AK06', 'R03AC02', 'C09AA02', 'N02BE01', 'A10AB05', 'J01CA04'];
const INTERACTIONS = ['create', 'update', 'delete'] as const;

/** A change as the EPD stores it: any of the three kinds, asthma or not, in any state. */
const changes: fc.Arbitrary<Resource & { id: string }> = fc.oneof(
  fc
    .record({
      atc: fc.constantFrom(...ATC_CODES),
      status: fc.constantFrom('active', 'stopped', 'draft') as fc.Arbitrary<'active' | 'stopped' | 'draft'>,
    })
    .map(({ atc, status }) => ({
      ...medicationAgreement('Patient/kind', { atc, status, identifier: 'mr' }),
      id: 'mr-1',
    })),
  fc
    .record({
      status: fc.constantFrom('finished', 'in-progress', 'cancelled') as fc.Arbitrary<
        'finished' | 'in-progress' | 'cancelled'
      >,
      asthma: fc.boolean(),
    })
    .map(({ status, asthma }) => {
      const visit = evaluationVisit('Patient/kind', { status, identifier: 'enc' });
      return {
        ...visit,
        id: 'enc-1',
        ...(asthma ? {} : { reasonCode: [{ coding: [{ system: 'http://snomed.info/sct', code: '46635009' }] }] }),
      };
    }),
  fc
    .record({
      status: fc.constantFrom('active', 'completed', 'draft') as fc.Arbitrary<'active' | 'completed' | 'draft'>,
    })
    .map(({ status }) => ({
      ...treatmentPlan('Patient/kind', { status, identifier: 'cp', condition: 'Condition/astma' }),
      id: 'cp-1',
    })),
);

/** The rest of the record: a child or an adult, at the department or not, with or without parents and an objection. */
const records = fc.record({
  age: fc.integer({ min: 0, max: 90 }),
  atDepartment: fc.boolean(),
  parents: fc.boolean(),
  objection: fc.boolean(),
});

function recordFacts(
  change: Resource & { id: string },
  interaction: RuleFacts['interaction'],
  record: { age: number; atDepartment: boolean; parents: boolean; objection: boolean },
): RuleFacts {
  const managingOrganization = { reference: record.atDepartment ? DEPARTMENT : 'Organization/cardiologie' };
  const patient: Patient & { id: string } = {
    resourceType: 'Patient',
    id: 'kind',
    birthDate: `${2026 - record.age}-01-15`,
    managingOrganization,
  };
  const parents: (RelatedPerson & { id: string })[] = record.parents
    ? [
        {
          resourceType: 'RelatedPerson',
          id: 'mth',
          active: true,
          patient: { reference: 'Patient/kind' },
          relationship: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode', code: 'MTH' }] }],
        },
      ]
    : [];
  const consents: Consent[] = record.objection
    ? [
        {
          resourceType: 'Consent',
          status: 'active',
          scope: {
            coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }],
          },
          category: [{ text: 'bezwaar' }],
          patient: { reference: 'Patient/kind' },
          provision: { type: 'deny' },
        },
      ]
    : [];
  const encounter: (Encounter & { id: string }) | undefined =
    change.resourceType === 'Encounter'
      ? undefined
      : { ...evaluationVisit('Patient/kind', { serviceProvider: managingOrganization.reference }), id: 'enc-9' };
  return {
    resource: change,
    interaction,
    occurredAt: OCCURRED_AT,
    patient,
    relatedPersons: parents,
    consents,
    ...(encounter ? { encounter } : {}),
  };
}

describe('mayInvite: whether the patient record is needed at all', () => {
  it('is true for a key moment and false for an everyday change', () => {
    const asthma = { ...medicationAgreement('Patient/kind', { atc: 'R03BA05' }), id: 'a' };
    const other = { ...medicationAgreement('Patient/kind', { atc: 'C09AA02' }), id: 'b' };
    expect(mayInvite(mappings, { resource: asthma, interaction: 'create' })).toBe(true);
    expect(mayInvite(mappings, { resource: other, interaction: 'create' })).toBe(false);
  });

  it('is false for an interaction no trigger is written for, and for a type no trigger reads', () => {
    const asthma = { ...medicationAgreement('Patient/kind', { atc: 'R03BA05' }), id: 'a' };
    expect(mayInvite(mappings, { resource: asthma, interaction: 'delete' })).toBe(false);
    expect(
      mayInvite(mappings, {
        resource: { resourceType: 'Observation', id: 'o', status: 'final', code: { text: 'x' } } as Resource & {
          id: string;
        },
        interaction: 'create',
      }),
    ).toBe(false);
  });

  it('is false when a condition on the resource fails (a visit that is not finished)', () => {
    const visit = { ...evaluationVisit('Patient/kind', { status: 'in-progress' }), id: 'v' };
    expect(mayInvite(mappings, { resource: visit, interaction: 'update' })).toBe(false);
    expect(mayInvite(mappings, { resource: { ...visit, status: 'finished' }, interaction: 'update' })).toBe(true);
  });

  it('when false, the resource alone gives the same outcome as the whole record (reasons included)', () => {
    let ruledOut = 0;
    fc.assert(
      fc.property(changes, fc.constantFrom(...INTERACTIONS), records, (change, interaction, record) => {
        const whole = recordFacts(change, interaction, record);
        const needed = mayInvite(mappings, whole);
        if (needed) return;
        ruledOut += 1;
        const alone = evaluateRules(mappings, {
          resource: change,
          interaction,
          occurredAt: OCCURRED_AT,
          relatedPersons: [],
        });
        const withRecord = evaluateRules(mappings, whole);
        expect(alone.invitations).toEqual([]);
        expect(withRecord.invitations).toEqual([]);
        expect(alone.skipped).toEqual(withRecord.skipped);
        expect(withRecord.objection).toBeUndefined();
      }),
      { numRuns: 400, seed: 20261203 },
    );
    expect(ruledOut).toBeGreaterThan(100); // the property was exercised, not skipped
  });

  it('when true, some record makes an invitation (it does not claim more than the resource shows)', () => {
    let invited = 0;
    fc.assert(
      fc.property(changes, fc.constantFrom(...INTERACTIONS), records, (change, interaction, record) => {
        const whole = recordFacts(change, interaction, record);
        if (!mayInvite(mappings, whole)) return;
        const child = recordFacts(change, interaction, {
          age: 10,
          atDepartment: true,
          parents: true,
          objection: false,
        });
        if (evaluateRules(mappings, child).invitations.length > 0) invited += 1;
        else
          throw new Error(
            `mayInvite said yes, but a child at the department is not invited for ${change.resourceType} ${interaction}`,
          );
      }),
      { numRuns: 300, seed: 20261204 },
    );
    expect(invited).toBeGreaterThan(20);
  });
});
