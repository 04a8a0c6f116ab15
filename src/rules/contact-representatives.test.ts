import type { Patient, PatientContact } from '@medplum/fhirtypes';
import {
  contactKeyFor,
  contactNaturalKey,
  findContactByKey,
  selectContactRepresentatives,
} from './contact-representatives.js';
import { defaultRepresentativeCodes, ZIB_ROLE_SYSTEM } from './select-guardians.js';

const ROLE_CODE = 'http://terminology.hl7.org/CodeSystem/v3-RoleCode';
const SECRET = 'contact-key-secret-for-tests';
const DAY = '2024-05-01';

function contact(code: string, name: string, extra: Partial<PatientContact> = {}, system = ROLE_CODE): PatientContact {
  return { relationship: [{ coding: [{ system, code }] }], name: { text: name }, ...extra };
}

function patient(...contacts: PatientContact[]): Patient & { id: string } {
  return { resourceType: 'Patient', id: 'kind-1', contact: contacts };
}

const names = (p: Patient, codes = defaultRepresentativeCodes()) =>
  selectContactRepresentatives(p, DAY, codes).map((r) => r.contact.name?.text);

describe('selectContactRepresentatives', () => {
  it.each<[string, PatientContact, boolean]>([
    ['a mother (v3 MTH)', contact('MTH', 'Moeder'), true],
    ['a guardian (v3 GUARD by OID)', contact('GUARD', 'Voogd', {}, 'urn:oid:2.16.840.1.113883.5.111'), true],
    ['a legal representative (zib role 24)', contact('24', 'Vertegenwoordiger', {}, ZIB_ROLE_SYSTEM), true],
    ['a guardian (zib role 11)', contact('11', 'Voogd', {}, ZIB_ROLE_SYSTEM), true],
    ['a first contact (zib role 01)', contact('01', 'Contact', {}, ZIB_ROLE_SYSTEM), false],
    ['a care provider (zib role 07)', contact('07', 'Hulpverlener', {}, ZIB_ROLE_SYSTEM), false],
    ['a grandmother (v3 GRMTH)', contact('GRMTH', 'Oma'), false],
    ['a stepmother without the mapping saying so', contact('STPMTH', 'Stiefmoeder'), false],
    ['a mother whose period ended', contact('MTH', 'Moeder', { period: { end: '2024-04-30' } }), false],
    ['a mother whose period starts later', contact('MTH', 'Moeder', { period: { start: '2024-06' } }), false],
    ['a contact without relationship', { name: { text: 'Iemand' } }, false],
  ])('%s: %s', (_name, candidate, selected) => {
    expect(names(patient(candidate))).toEqual(selected ? [candidate.name?.text] : []);
  });

  it('a stepmother when the mapping counts step- and foster parents', () => {
    expect(names(patient(contact('STPMTH', 'Stiefmoeder')), defaultRepresentativeCodes(true))).toEqual(['Stiefmoeder']);
  });

  it('the same person entered twice is one representative', () => {
    expect(names(patient(contact('MTH', 'A. de Vries'), contact('MTH', 'a.  DE vries')))).toEqual(['A. de Vries']);
  });

  it('a patient without contacts has none', () => {
    expect(selectContactRepresentatives({ resourceType: 'Patient' }, DAY, defaultRepresentativeCodes())).toEqual([]);
  });
});

describe('contactNaturalKey', () => {
  it('does not change with the order of codes, case or spacing of the name', () => {
    const a = contact('MTH', 'A. de Vries', {
      relationship: [
        { coding: [{ system: ROLE_CODE, code: 'MTH' }] },
        { coding: [{ system: ZIB_ROLE_SYSTEM, code: '24' }] },
      ],
    });
    const b = contact('MTH', ' a. de  VRIES ', {
      relationship: [
        { coding: [{ system: ZIB_ROLE_SYSTEM, code: '24' }] },
        { coding: [{ system: ROLE_CODE, code: 'MTH' }] },
      ],
    });
    expect(contactNaturalKey(a)).toBe(contactNaturalKey(b));
  });

  it('tells a mother from a father of the same name, and two names apart', () => {
    const keys = [contact('MTH', 'Sam Jansen'), contact('FTH', 'Sam Jansen'), contact('MTH', 'Kim Jansen')].map(
      contactNaturalKey,
    );
    expect(new Set(keys).size).toBe(3);
  });

  it('uses given and family names when there is no text, and the contact points when there is no name', () => {
    const parts = contactNaturalKey({ ...contact('MTH', ''), name: { given: ['Anna'], family: 'Smit' } });
    expect(parts).toBe(contactNaturalKey(contact('MTH', 'anna smit')));
    const unnamed = (value: string) =>
      contactNaturalKey({ relationship: contact('MTH', '').relationship, telecom: [{ system: 'email', value }] });
    expect(unnamed('a@example.org')).not.toBe(unnamed('b@example.org'));
  });
});

describe('contactKeyFor and findContactByKey', () => {
  const mother = contact('MTH', 'Anna Smit', { telecom: [{ system: 'email', value: 'anna@example.org' }] });
  const father = contact('FTH', 'Piet Smit');
  const key = contactKeyFor(SECRET, 'Patient/kind-1', contactNaturalKey(mother));

  it('holds no part of the name or relationship, and depends on the secret and the patient', () => {
    expect(key).toMatch(/^contact-[0-9a-f]{24}$/);
    expect(key).not.toBe(contactKeyFor('another-secret', 'Patient/kind-1', contactNaturalKey(mother)));
    expect(key).not.toBe(contactKeyFor(SECRET, 'Patient/kind-2', contactNaturalKey(mother)));
    expect(() => contactKeyFor('', 'Patient/kind-1', 'x')).toThrow('secret is empty');
  });

  it('finds the contact again after the EPD reordered or added contacts', () => {
    const found = findContactByKey(patient(father, contact('GRMTH', 'Oma'), mother), key, SECRET, DAY);
    expect(found).toBe(mother);
  });

  it('does not find a contact that was removed, renamed, or whose period ended', () => {
    expect(findContactByKey(patient(father), key, SECRET, DAY)).toBeUndefined();
    expect(findContactByKey(patient({ ...mother, name: { text: 'Anna Jansen' } }), key, SECRET, DAY)).toBeUndefined();
    const ended = { ...mother, period: { end: '2024-04-01' } };
    expect(findContactByKey(patient(ended), key, SECRET, DAY)).toBeUndefined();
  });
});
