import { globalSchema, parseSearchRequest } from '@medplum/core';
import { MemoryRepository } from '@medplum/fhir-router';
import type { Resource } from '@medplum/fhirtypes';
import { loadFhirDefinitions } from '../shared/fhir-definitions.js';
import { narrowExpression, narrowSearchParameters, splitTopLevelUnion } from './narrow-search-parameters.js';
import { buildSearchCorpus, SEARCH_CORPUS_QUERIES } from './search-corpus.js';

beforeAll(() => loadFhirDefinitions());

describe('splitTopLevelUnion', () => {
  it.each([
    ['Task.code', ['Task.code']],
    ['A.x | B.y', ['A.x', 'B.y']],
    ['(A.x as Reference) | B.y.where(resolve() is Patient)', ['(A.x as Reference)', 'B.y.where(resolve() is Patient)']],
    ["A.x.where(system = 'a|b') | B.y", ["A.x.where(system = 'a|b')", 'B.y']],
    ['A.x.where((p | q).exists()) | B.y', ['A.x.where((p | q).exists())', 'B.y']],
    ["A.x.where(v = 'it\\'s|x') | B.y", ["A.x.where(v = 'it\\'s|x')", 'B.y']],
  ])('%s', (expression, branches) => {
    expect(splitTopLevelUnion(expression)).toEqual(branches);
  });
});

describe('narrowExpression', () => {
  it.each([
    ['Condition', 'AllergyIntolerance.code | Condition.code | Observation.code', 'Condition.code'],
    [
      'MedicationRequest',
      '(MedicationDispense.medication as CodeableConcept) | (MedicationRequest.medication as CodeableConcept)',
      '(MedicationRequest.medication as CodeableConcept)',
    ],
    [
      'Observation',
      'Condition.code | Observation.code | Observation.component.code',
      'Observation.code | Observation.component.code',
    ],
    // Branches that may apply to any type are kept.
    ['Task', 'Resource.meta.tag | Condition.code | Task.code', 'Resource.meta.tag | Task.code'],
    ['InsurancePlan', 'name | alias', undefined],
    // Nothing to drop, or not a union: unchanged.
    ['Task', 'Task.code', undefined],
    ['Task', 'Task.code | Task.businessStatus', undefined],
    // The searched type has no branch (not a shared parameter of it): left alone rather than emptied.
    ['Task', 'Condition.code | Observation.code', undefined],
    // Lower-case or unknown prefixes are paths, not types.
    ['Task', 'Foo.bar | Condition.code | Task.code', 'Foo.bar | Task.code'],
  ])('%s: %s', (type, expression, expected) => {
    expect(narrowExpression(type, expression)).toBe(expected);
  });
});

describe('narrowSearchParameters', () => {
  const search = async (repo: MemoryRepository, query: string): Promise<string[]> => {
    const request = parseSearchRequest(query);
    const found: Resource[] = await repo.searchResources(request);
    return found.map((r) => `${r.resourceType}/${r.id}`).sort();
  };

  it('narrows shared parameters per type and restores them', () => {
    const shared = globalSchema.types.Condition?.searchParams?.code;
    expect(shared?.expression).toContain('Observation.code');
    const result = narrowSearchParameters();
    try {
      expect(result.narrowed).toBeGreaterThan(100);
      expect(globalSchema.types.Condition?.searchParams?.code?.expression).toBe('Condition.code');
      expect(globalSchema.types.Observation?.searchParams?.code?.expression).toBe('Observation.code');
      expect(shared?.expression).toContain('Observation.code'); // the shared object itself is untouched
      expect(narrowSearchParameters().narrowed).toBe(0); // a second pass finds nothing left to do
    } finally {
      result.restore();
    }
    expect(globalSchema.types.Condition?.searchParams?.code).toBe(shared);
  });

  it('finds exactly the same resources before and after narrowing', async () => {
    const repo = new MemoryRepository();
    const corpus = buildSearchCorpus(400);
    for (const resource of corpus) await repo.createResource(resource);
    const before = new Map<string, string[]>();
    for (const query of SEARCH_CORPUS_QUERIES) before.set(query, await search(repo, query));

    const result = narrowSearchParameters();
    try {
      for (const query of SEARCH_CORPUS_QUERIES) {
        const expected = before.get(query) ?? [];
        expect({ query, found: expected.length > 0 }).toEqual({ query, found: true }); // finding nothing would prove nothing
        expect({ query, ids: await search(repo, query) }).toEqual({ query, ids: expected });
      }
    } finally {
      result.restore();
    }
  });
});
