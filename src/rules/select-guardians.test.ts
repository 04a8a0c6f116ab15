import type { RelatedPerson } from '@medplum/fhirtypes';
import { defaultRepresentativeCodes, selectGuardians, ZIB_ROLE_SYSTEM } from './select-guardians.js';

const ROLE_CODE = 'http://terminology.hl7.org/CodeSystem/v3-RoleCode';

function person(
  id: string,
  code: string,
  extra: Partial<RelatedPerson> = {},
  system = ROLE_CODE,
): RelatedPerson & { id: string } {
  return {
    resourceType: 'RelatedPerson',
    id,
    patient: { reference: 'Patient/kind-1' },
    relationship: [{ coding: [{ system, code }] }],
    ...extra,
  };
}

describe('selectGuardians', () => {
  it.each(['PRN', 'MTH', 'FTH', 'NPRN', 'NMTH', 'NFTH', 'ADOPTP', 'ADOPTM', 'ADOPTF', 'GUARD'])(
    'selects a %s',
    (code) => {
      expect(selectGuardians('Patient/kind-1', [person('rp', code)], '2024-05-01').map((p) => p.id)).toEqual(['rp']);
    },
  );

  it.each<[string, RelatedPerson & { id: string }]>([
    ['a grandparent (GRPRN)', person('rp', 'GRPRN')],
    ['a sibling (SIB)', person('rp', 'SIB')],
    ['a code outside the set (FMRPRN)', person('rp', 'FMRPRN')],
    ['an emergency contact in v2-0131 (C)', person('rp', 'C', {}, 'http://terminology.hl7.org/CodeSystem/v2-0131')],
    ['the code PRN from another system', person('rp', 'PRN', {}, 'http://example.org/local-roles')],
    ['an inactive parent', person('rp', 'MTH', { active: false })],
    ['a parent of another patient', person('rp', 'MTH', { patient: { reference: 'Patient/kind-2' } })],
    ['a parent whose period ended', person('rp', 'FTH', { period: { end: '2024-04-30' } })],
    ['a guardian whose period starts later', person('rp', 'GUARD', { period: { start: '2024-05-02T08:00:00+02:00' } })],
    ['no relationship at all', { resourceType: 'RelatedPerson', id: 'rp', patient: { reference: 'Patient/kind-1' } }],
  ])('skips %s', (_name, candidate) => {
    expect(selectGuardians('Patient/kind-1', [candidate], '2024-05-01')).toEqual([]);
  });

  it.each([
    ['active: true', { active: true }],
    ['a period that ends today', { period: { end: '2024-05-01T10:00:00Z' } }],
    ['a period that ends this year (partial date)', { period: { end: '2024' } }],
    ['a period that started this month (partial date)', { period: { start: '2024-05' } }],
    ['an absolute patient reference', { patient: { reference: 'https://epd.example/fhir/Patient/kind-1' } }],
  ])('keeps a parent with %s', (_name, extra: Partial<RelatedPerson>) => {
    expect(selectGuardians('Patient/kind-1', [person('rp', 'MTH', extra)], '2024-05-01')).toHaveLength(1);
  });

  it.each(['STPPRN', 'STPMTH', 'STPFTH', 'PRNFOST', 'MTHFOST', 'FTHFOST'])(
    'selects a %s only when step and foster parents count',
    (code) => {
      expect(selectGuardians('Patient/kind-1', [person('rp', code)], '2024-05-01')).toEqual([]);
      const withStep = defaultRepresentativeCodes(true);
      expect(selectGuardians('Patient/kind-1', [person('rp', code)], '2024-05-01', withStep)).toHaveLength(1);
    },
  );

  it.each([
    ['11 (Voogd)', '11', 1],
    ['24 (Wettelijke vertegenwoordiger)', '24', 1],
    ['01 (Eerste relatie/contactpersoon), as nl-core-ContactPerson-01', '01', 0],
    ['07 (Hulpverlener), as nl-core-ContactPerson-01', '07', 0],
    ['23 (Contactpersoon)', '23', 0],
  ])('zib role %s', (_name, code, selected) => {
    const candidate = person('rp', code, {}, ZIB_ROLE_SYSTEM);
    expect(selectGuardians('Patient/kind-1', [candidate], '2024-05-01')).toHaveLength(selected);
  });

  it('takes the list of counting codes from the mapping when it gives one', () => {
    const local = new Set(['http://example.org/local-roles|OUDER']);
    const candidate = person('rp', 'OUDER', {}, 'http://example.org/local-roles');
    expect(selectGuardians('Patient/kind-1', [candidate], '2024-05-01', local)).toHaveLength(1);
    expect(selectGuardians('Patient/kind-1', [person('rp', 'MTH')], '2024-05-01', local)).toEqual([]);
  });

  it('accepts the RoleCode OID and keeps the input order of several guardians', () => {
    const people = [person('b', 'FTH'), person('x', 'SIB'), person('a', 'MTH', {}, 'urn:oid:2.16.840.1.113883.5.111')];
    expect(selectGuardians('Patient/kind-1', people, '2024-05-01').map((p) => p.id)).toEqual(['b', 'a']);
  });
});
