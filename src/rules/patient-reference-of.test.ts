import type { Resource } from '@medplum/fhirtypes';
import { patientReferenceOf, toPatientReference } from './patient-reference-of.js';

describe('patientReferenceOf', () => {
  it.each<[string, Resource, string | undefined]>([
    ['Patient itself', { resourceType: 'Patient', id: 'p1' }, 'Patient/p1'],
    ['Patient without id', { resourceType: 'Patient' }, undefined],
    [
      'MedicationRequest.subject',
      { resourceType: 'MedicationRequest', status: 'active', intent: 'order', subject: { reference: 'Patient/p1' } },
      'Patient/p1',
    ],
    [
      'Encounter.subject, absolute',
      {
        resourceType: 'Encounter',
        status: 'finished',
        class: {},
        subject: { reference: 'https://epd.example/fhir/Patient/p2' },
      },
      'Patient/p2',
    ],
    ['RelatedPerson.patient', { resourceType: 'RelatedPerson', patient: { reference: 'Patient/p3' } }, 'Patient/p3'],
    [
      'Task.for',
      { resourceType: 'Task', status: 'requested', intent: 'order', for: { reference: 'Patient/p4' } },
      'Patient/p4',
    ],
    [
      'Coverage.beneficiary',
      { resourceType: 'Coverage', status: 'active', beneficiary: { reference: 'Patient/p5' }, payor: [] },
      'Patient/p5',
    ],
    [
      'versioned reference',
      { resourceType: 'Condition', subject: { reference: 'Patient/p6/_history/3' } },
      'Patient/p6',
    ],
    [
      'subject is a Group',
      { resourceType: 'Observation', status: 'final', code: {}, subject: { reference: 'Group/g1' } },
      undefined,
    ],
    [
      'identifier-only reference',
      {
        resourceType: 'Condition',
        subject: { identifier: { system: 'http://fhir.nl/fhir/NamingSystem/bsn', value: '999911120' } },
      },
      undefined,
    ],
    ['no patient field', { resourceType: 'Organization', id: 'o1' }, undefined],
  ])('%s', (_name, resource, expected) => {
    expect(patientReferenceOf(resource)).toBe(expected);
  });
});

describe('toPatientReference', () => {
  it.each([
    ['Patient/p1', 'Patient/p1'],
    ['http://127.0.0.1:8103/fhir/R4/Patient/p1', 'Patient/p1'],
    ['Patient/p1/_history/2', 'Patient/p1'],
    ['RelatedPerson/p1', undefined],
    ['Patient/', undefined],
    [undefined, undefined],
  ])('%s → %s', (reference, expected) => {
    expect(toPatientReference(reference)).toBe(expected);
  });
});
