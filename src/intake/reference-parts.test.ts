import { isFhirId, parseReference, sameResource } from './reference-parts.js';

describe('parseReference', () => {
  it.each([
    ['Patient/123', { resourceType: 'Patient', id: '123', reference: 'Patient/123' }],
    [
      'MedicationRequest/ma-5c21e9d4',
      { resourceType: 'MedicationRequest', id: 'ma-5c21e9d4', reference: 'MedicationRequest/ma-5c21e9d4' },
    ],
    ['Encounter/e.1/_history/7', { resourceType: 'Encounter', id: 'e.1', versionId: '7', reference: 'Encounter/e.1' }],
    [
      'https://epd.example.org/fhir/CarePlan/cp-1',
      { resourceType: 'CarePlan', id: 'cp-1', reference: 'CarePlan/cp-1' },
    ],
    [
      'http://localhost:8080/baseR4/CarePlan/cp-1/_history/4',
      { resourceType: 'CarePlan', id: 'cp-1', versionId: '4', reference: 'CarePlan/cp-1' },
    ],
    ['HTTPS://EPD.EXAMPLE.ORG/fhir/Patient/9', { resourceType: 'Patient', id: '9', reference: 'Patient/9' }],
  ])('splits %s', (raw, expected) => {
    expect(parseReference(raw)).toEqual(expected);
  });

  it.each([
    ['urn:uuid:6b7c8d9e-0f1a-4b2c-8d3e-4f5a6b7c8d9e', 'a urn is not an EPD resource'],
    ['#contained-1', 'a contained reference'],
    ['Patient?identifier=http://fhir.nl/fhir/NamingSystem/bsn|999911120', 'a conditional reference'],
    ['Patient', 'a type without id'],
    ['Patient/', 'an empty id'],
    ['patient/123', 'a lower-case type'],
    ['Patient/12 3', 'a space in the id'],
    ['Patient/' + 'x'.repeat(65), 'an id longer than 64'],
    ['fhir/Patient/123', 'a relative path with a base'],
    ['Patient/1/_history/', 'an empty version'],
    ['Patient/1/_history/a b', 'a malformed version'],
    ['https://epd.example.org/', 'a base URL alone'],
    ['https://epd.example.org/fhir/Patient/1?_format=json', 'a URL with a query'],
    ['', 'an empty string'],
  ])('refuses %s (%s)', (raw) => {
    expect(parseReference(raw)).toBeUndefined();
  });
});

describe('sameResource', () => {
  it.each([
    ['Patient/1', 'Patient/1/_history/2', true],
    ['Patient/1', 'https://epd.example.org/fhir/Patient/1', true],
    ['Patient/1', 'Patient/2', false],
    ['Patient/1', 'Encounter/1', false],
  ])('%s vs %s → %s', (a, b, expected) => {
    expect(sameResource(parseReference(a)!, parseReference(b)!)).toBe(expected);
  });
});

describe('isFhirId', () => {
  it.each([
    ['abc-1.2', true],
    ['A'.repeat(64), true],
    ['A'.repeat(65), false],
    ['', false],
    ['a_b', false],
    [12, false],
    [undefined, false],
  ])('%p → %p', (value, expected) => {
    expect(isFhirId(value)).toBe(expected);
  });
});
