import { evalFhirPathTyped, getResourceTypes, toTypedValue, tryGetDataType, validateResource } from '@medplum/core';
import type { MedicationRequest, Task } from '@medplum/fhirtypes';
import { AppError } from './errors.js';
import {
  assertValidResource,
  loadFhirDefinitions,
  loadResourceDefinitions,
  SERVICE_RESOURCE_TYPES,
} from './fhir-definitions.js';

const REQUEST: MedicationRequest = {
  resourceType: 'MedicationRequest',
  status: 'active',
  intent: 'order',
  subject: { reference: 'Patient/p-1' },
  authoredOn: '2025-03-01T10:00:00Z',
  medicationCodeableConcept: { coding: [{ system: 'http://www.whocc.no/atc', code: 'R03AC02' }] },
};

const TASK: Task = { resourceType: 'Task', status: 'requested', intent: 'proposal', for: { reference: 'Patient/p-1' } };

function typed(expression: string, resource: MedicationRequest) {
  return evalFhirPathTyped(expression, [toTypedValue(resource)]).map(({ type, value }) => ({ type, value }));
}

/** Element names and their types, per loaded resource type: what FHIRPath and validation read. */
function elementTypes(types: readonly string[]) {
  return Object.fromEntries(
    types.map((name) => [
      name,
      Object.entries(tryGetDataType(name)?.elements ?? {}).map(([path, e]) => [path, e.type.map((t) => t.code)]),
    ]),
  );
}

// One module state for the whole file: the steps build on each other, in order.
describe('FHIR definitions of the service', () => {
  it('types FHIRPath on a loaded resource type, choice types included', () => {
    loadResourceDefinitions([...SERVICE_RESOURCE_TYPES, 'MedicationRequest']);
    expect(typed('medication', REQUEST)).toEqual([
      { type: 'CodeableConcept', value: REQUEST.medicationCodeableConcept },
    ]);
    expect(typed('medication.ofType(CodeableConcept).coding.code', REQUEST)).toEqual([
      { type: 'code', value: 'R03AC02' },
    ]);
    // Without the definition FHIRPath guesses, and these would be false.
    expect(typed('authoredOn is dateTime and status is code', REQUEST)).toEqual([{ type: 'boolean', value: true }]);
  });

  it('loads only the named resource types', () => {
    const loaded = getResourceTypes();
    expect(loaded).toEqual(
      expect.arrayContaining([
        'MedicationRequest',
        'Patient',
        'RelatedPerson',
        'Consent',
        'Encounter',
        'Task',
        'AuditEvent',
      ]),
    );
    expect(loaded).not.toContain('Account');
    expect(loaded.length).toBeLessThan(20);
  });

  it('still rejects an invalid Task and accepts a valid one', () => {
    expect(() => validateResource({ ...TASK, notAnElement: true } as unknown as Task)).toThrow(
      'Invalid additional property',
    );
    expect(() => assertValidResource({ ...TASK, intent: undefined } as unknown as Task)).toThrow(AppError);
    expect(() => assertValidResource({ ...TASK, for: 'Patient/p-1' } as unknown as Task)).toThrow(AppError);
    expect(assertValidResource(TASK)).toBe(TASK);
  });

  it('reads the types a validated resource holds that the service did not load', () => {
    expect(getResourceTypes()).not.toContain('Coverage');
    expect(getResourceTypes()).not.toContain('Organization');
    const coverage = {
      resourceType: 'Coverage',
      status: 'active',
      beneficiary: { reference: 'Patient/p-1' },
      payor: [{ reference: '#o-1' }],
    } as const;
    const bundle = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        {
          resource: { ...coverage, contained: [{ resourceType: 'Organization', id: 'o-1', name: 'Zorgverzekeraar' }] },
        },
      ],
    } as const;
    expect(assertValidResource(bundle as never)).toBe(bundle);
    expect(getResourceTypes()).toEqual(expect.arrayContaining(['Bundle', 'Coverage', 'Organization']));
  });

  it('refuses a resource type FHIR R4 does not have', () => {
    expect(() => loadResourceDefinitions(['Patient', 'NoSuchType'])).toThrow(
      'no FHIR R4 definition of resource type NoSuchType',
    );
  });

  it('reads each definition exactly as the full load does', () => {
    const types = ['MedicationRequest', ...SERVICE_RESOURCE_TYPES];
    const subset = elementTypes(types);
    loadFhirDefinitions();
    expect(getResourceTypes()).toContain('Account');
    expect(elementTypes(types)).toEqual(subset);
  });
});
