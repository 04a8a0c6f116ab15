import { globalSchema, parseSearchRequest } from '@medplum/core';
import { MemoryRepository } from '@medplum/fhir-router';
import { loadFhirDefinitions } from '../shared/fhir-definitions.js';
import { narrowSearchParameters } from './narrow-search-parameters.js';
import { buildSearchCorpus } from './search-corpus.js';

/**
 * Resources per searched type: enough that every query finds some and misses most. How much faster
 * narrowed searches are (25-60x over 10k resources) is measured by the bench, not asserted here.
 */
const CORPUS_SIZE = 300;

async function idsFound(repo: MemoryRepository, query: string): Promise<string[]> {
  const found = await repo.searchResources(parseSearchRequest(query));
  return found.map((r) => r.id).sort();
}

/** The resource types a search parameter's expression still names, as `Type.` prefixes of its branches. */
function typesIn(expression: string): string[] {
  return [...new Set([...expression.matchAll(/(?:^|\|) *\(?([A-Z][A-Za-z]+)\./g)].map((m) => m[1]!))].sort();
}

describe('searches over a corpus, before and after narrowing', () => {
  const repo = new MemoryRepository();
  beforeAll(async () => {
    loadFhirDefinitions();
    for (const type of ['MedicationRequest', 'Condition', 'Task'] as const) {
      for (const resource of buildSearchCorpus(CORPUS_SIZE, type)) await repo.createResource(resource);
    }
  }, 60_000);

  // R4 shares `patient` (32 types) and `code` (14 types) with MedicationRequest and Condition;
  // Task's `patient` and `code` are Task's own, so narrowing leaves that search as it was.
  it.each([
    ['MedicationRequest?patient=Patient/p6', true],
    ['MedicationRequest?code=http://www.whocc.no/atc|R03BA05', true],
    ['Condition?code=http://snomed.info/sct|195967001', true],
    ['Task?patient=Patient/p3', false],
  ])(
    '%s',
    async (query, shared) => {
      const before = await idsFound(repo, query);
      const resourceType = query.split('?')[0]!;
      const code = parseSearchRequest(query).filters![0]!.code;
      const expressionBefore = globalSchema.types[resourceType]!.searchParams![code]!.expression!;
      const narrowing = narrowSearchParameters();
      try {
        const after = await idsFound(repo, query);
        expect(after).toEqual(before);
        expect(after.length).toBeGreaterThan(0);
        expect(after.length).toBeLessThan(CORPUS_SIZE);
        // The work per resource: a shared parameter now evaluates only this type's branch.
        const expressionAfter = globalSchema.types[resourceType]!.searchParams![code]!.expression!;
        expect(typesIn(expressionAfter)).toEqual(shared ? [resourceType] : typesIn(expressionBefore));
        if (shared) expect(typesIn(expressionBefore).length).toBeGreaterThan(1);
      } finally {
        narrowing.restore();
      }
    },
    60_000,
  );
});
