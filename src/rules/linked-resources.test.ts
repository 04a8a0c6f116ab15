import type { Encounter, Medication, MedicationRequest, Resource } from '@medplum/fhirtypes';
import { linkedReferencesOf, withLinkedResources } from './linked-resources.js';

describe('linkedReferencesOf', () => {
  it.each<[string, Resource, string[]]>([
    [
      'medicationReference (zib MedicationAgreement)',
      {
        resourceType: 'MedicationRequest',
        medicationReference: { reference: 'Medication/nl-core-MedicationAgreement-01-Medication-01' },
      } as MedicationRequest,
      ['Medication/nl-core-MedicationAgreement-01-Medication-01'],
    ],
    [
      'an absolute, versioned reference',
      {
        resourceType: 'MedicationRequest',
        medicationReference: { reference: 'https://epd.example.org/fhir/Medication/m1/_history/3' },
      } as MedicationRequest,
      ['Medication/m1'],
    ],
    [
      'a contained Medication is already there',
      { resourceType: 'MedicationRequest', medicationReference: { reference: '#m' } } as MedicationRequest,
      [],
    ],
    [
      'encounter reasons and diagnoses, once each',
      {
        resourceType: 'Encounter',
        reasonReference: [{ reference: 'Condition/c1' }, { reference: 'Observation/o1' }],
        diagnosis: [{ condition: { reference: 'Condition/c1' } }, { condition: { reference: 'Procedure/p1' } }],
      } as Encounter,
      ['Condition/c1', 'Observation/o1', 'Procedure/p1'],
    ],
    [
      'types without codes of their own are not read',
      { resourceType: 'Encounter', reasonReference: [{ reference: 'ImmunizationRecommendation/x' }] } as Encounter,
      [],
    ],
  ])('%s', (_name, resource, expected) => {
    expect(linkedReferencesOf(resource)).toEqual(expected);
  });
});

describe('withLinkedResources', () => {
  const medication: Medication = { resourceType: 'Medication', id: 'm1', code: { text: 'x' } };

  it('adds the linked resources to contained, once, without changing the original', () => {
    const request: MedicationRequest = {
      resourceType: 'MedicationRequest',
      status: 'active',
      intent: 'order',
      subject: { reference: 'Patient/p' },
      medicationReference: { reference: 'Medication/m1' },
    };
    const view = withLinkedResources(request, [medication, medication]);
    expect(view.contained).toEqual([medication]);
    expect(request.contained).toBeUndefined();
    expect(withLinkedResources(view, [medication]).contained).toHaveLength(1);
  });

  it('returns the resource itself when nothing is linked', () => {
    const request = { resourceType: 'MedicationRequest' } as MedicationRequest;
    expect(withLinkedResources(request, [])).toBe(request);
  });
});
