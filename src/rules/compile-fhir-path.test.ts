import type { Resource } from '@medplum/fhirtypes';
import { compileFhirPath, evaluatePath } from './compile-fhir-path.js';

const REQUEST = {
  resourceType: 'MedicationRequest',
  status: 'active',
  category: [{ coding: [{ system: 'http://snomed.info/sct', code: '16076005' }] }],
  medicationCodeableConcept: { coding: [{ system: 'http://www.whocc.no/atc', code: 'R03BA05' }] },
} as Resource;

describe('compileFhirPath', () => {
  it.each([
    ["category.coding.where(system = 'http://snomed.info/sct' and code = '16076005').exists()", true],
    ["status = 'active'\n  and intent.exists().not()", true],
    ["status in ('active' | 'stopped')", true],
    ["medication.ofType(CodeableConcept).coding.where(code.startsWith('R03')).exists()", true],
    ["category.coding.where(code = 'x)(').exists()", false],
    ["%resource.status = 'draft'", false],
  ])('compiles and evaluates %j', (expression, expected) => {
    const path = compileFhirPath(expression, 'MedicationRequest');
    expect(evaluatePath(path, REQUEST)).toEqual([{ type: 'boolean', value: expected }]);
  });

  it.each([
    ['', /empty/],
    ["status = 'active' and foo bar", /expected `\)`/],
    ['category.coding.where(', /./],
    ["status = 'active')", /unbalanced "\)"/],
    ["category.coding.where(code = '1'", /never closed/],
    ["status = 'active", /string .* never closed/],
    ["status /* why */ = 'active'", /expected `\)`/],
    ["category.coding.wher(code = '1').exists()", /Unrecognized function: wher/],
    ['%patient.birthDate', /Undefined variable %patient/],
  ])('rejects %j', (expression, message) => {
    expect(() => compileFhirPath(expression, 'MedicationRequest')).toThrow(message);
  });
});
