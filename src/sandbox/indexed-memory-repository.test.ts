import { jest } from '@jest/globals';
import { parseSearchRequest } from '@medplum/core';
import { MemoryRepository } from '@medplum/fhir-router';
import type { Bundle, RelatedPerson, Resource, Task } from '@medplum/fhirtypes';
import { loadFhirDefinitions } from '../shared/fhir-definitions.js';
import { IndexedMemoryRepository } from './indexed-memory-repository.js';
import { narrowSearchParameters } from './narrow-search-parameters.js';
import { buildSearchCorpus, SEARCH_CORPUS_QUERIES } from './search-corpus.js';

const INVITATION = 'https://sdm-bridge.org/fhir/NamingSystem/invitation';

/** Searches the plain repository is known to answer, plus the shapes the index must narrow or leave alone. */
const QUERIES = [
  ...SEARCH_CORPUS_QUERIES,
  `Task?identifier=${INVITATION}|inv-7`,
  'Task?identifier=inv-7',
  'Task?identifier=INV-7', // tokens match case-insensitively
  `Task?identifier=${INVITATION}|inv-7,${INVITATION}|inv-12`,
  `Task?identifier=${INVITATION}|`, // any value in the system: not narrowed
  'Task?identifier=|inv-7', // no system: only identifiers without one
  'Task?identifier:not=inv-7',
  'Task?identifier=inv-7&status=requested',
  'Task?patient=Patient/p3&_count=2&_offset=1',
  'Task?patient=Patient/p3,Patient/p4',
  'Task?patient=p3', // a bare id: any reference ending in /p3 (one target type); not narrowed
  'Task?subject=p3', // several target types: a bare id finds nothing
  'Task?patient=Patient/p3&_include=Task:focus', // the focused MedicationRequests follow the Tasks
  'Task?identifier=inv-3&_include=Task:focus',
  'Task?focus:MedicationRequest.code=r03ba05', // chained: not narrowed
  'Task?patient=Patient/p3&focus:MedicationRequest.code=r03ba05',
  'Task?patient=Patient/p3&_sort=authored-on',
  'Task?focus=MedicationRequest/r9',
  'RelatedPerson?patient=Patient/p5',
  'RelatedPerson?patient=Patient/p5&_count=1',
  'RelatedPerson?relationship=MTH',
  'Condition?code=195967001,44054006',
  'MedicationRequest?code=r03ba05',
  'Patient?identifier=nobody',
  'Task?_tag=https://sdm-bridge.org/fhir/CodeSystem/bench|t3',
  'Task?_tag=t3',
  'Task?identifier=inv-moved',
];

function corpus(): Resource[] {
  const resources: Resource[] = buildSearchCorpus(600).map((r, i) => ({ ...r, id: `r${i}` }));
  for (let i = 0; i < 40; i++) {
    const task: Task = {
      resourceType: 'Task',
      id: `task-${i}`,
      status: i % 3 ? 'requested' : 'completed',
      intent: 'order',
      identifier: [{ system: INVITATION, value: `inv-${i}` }, ...(i % 5 ? [] : [{ value: `inv-${i}` }])],
      for: { reference: `Patient/p${i % 7}` },
      focus: { reference: `MedicationRequest/r${i % 11}` },
      authoredOn: new Date(Date.UTC(2025, 0, 40 - i)).toISOString(),
      meta: { tag: [{ system: 'https://sdm-bridge.org/fhir/CodeSystem/bench', code: `t${i % 4}` }] },
    };
    const parent: RelatedPerson = {
      resourceType: 'RelatedPerson',
      id: `rp-${i}`,
      patient: { reference: `Patient/p${i % 9}` },
      relationship: [{ coding: [{ code: i % 2 ? 'MTH' : 'FTH' }] }],
    };
    resources.push(task, parent);
  }
  return resources;
}

async function answers(repo: MemoryRepository): Promise<Record<string, { total?: number; ids: string[] }>> {
  const result: Record<string, { total?: number; ids: string[] }> = {};
  for (const query of QUERIES) {
    const bundle: Bundle = await repo.search(parseSearchRequest(query));
    result[query] = {
      total: bundle.total,
      ids: (bundle.entry ?? []).map((e) => `${e.resource?.resourceType}/${e.resource?.id}`),
    };
  }
  return result;
}

async function changeSome(repo: MemoryRepository): Promise<void> {
  const task = await repo.readResource<Task>('Task', 'task-7');
  await repo.updateResource<Task>({
    ...task,
    identifier: [{ system: INVITATION, value: 'inv-moved' }],
    for: { reference: 'Patient/p4' },
  });
  await repo.deleteResource('RelatedPerson', 'rp-5');
  await repo.deleteResource('Task', 'task-12');
  await repo.createResource<Task>({
    resourceType: 'Task',
    id: 'task-12',
    status: 'requested',
    intent: 'order',
    identifier: [{ system: INVITATION, value: 'inv-12' }],
    for: { reference: 'Patient/p3' },
  });
  await repo.createResource<RelatedPerson>({ resourceType: 'RelatedPerson', patient: { reference: 'Patient/p5' } });
}

describe('IndexedMemoryRepository', () => {
  let narrowing: ReturnType<typeof narrowSearchParameters>;
  beforeAll(() => {
    loadFhirDefinitions();
    narrowing = narrowSearchParameters(); // as in the sandbox
  });
  afterAll(() => narrowing.restore());

  it('answers every search exactly as the plain repository, also after updates and deletes', async () => {
    const plain = new MemoryRepository();
    const indexed = new IndexedMemoryRepository();
    for (const resource of corpus()) {
      await plain.createResource(resource);
      await indexed.createResource(resource);
    }
    const before = await answers(plain);
    expect(await answers(indexed)).toEqual(before);
    expect(before[`Task?identifier=${INVITATION}|inv-7`]?.ids).toEqual(['Task/task-7']); // the queries do find things
    expect(before['RelatedPerson?patient=Patient/p5']?.ids.length).toBeGreaterThan(1);
    expect(before['Task?patient=p3']?.ids).toEqual(before['Task?patient=Patient/p3']?.ids);
    expect(before['Task?identifier=inv-3&_include=Task:focus']?.ids).toEqual(['Task/task-3', 'MedicationRequest/r3']);
    expect(before['Task?focus:MedicationRequest.code=r03ba05']?.ids.length).toBeGreaterThan(0);

    await changeSome(plain);
    await changeSome(indexed);
    const after = await answers(plain);
    const indexedAfter = await answers(indexed);
    // The one RelatedPerson created without an id got a different random id in each repository.
    const withoutNewId = (a: typeof after) => ({
      ...a,
      'RelatedPerson?patient=Patient/p5': a['RelatedPerson?patient=Patient/p5']?.total,
    });
    expect(withoutNewId(indexedAfter)).toEqual(withoutNewId(after));
    expect(after[`Task?identifier=${INVITATION}|inv-7`]?.ids).toEqual([]);
    expect(after['Task?identifier=inv-moved']?.ids).toEqual(['Task/task-7']);
  });

  it('keeps the plain repository’s order: first stored first, an update keeps its place, a re-created id goes last', async () => {
    const repo = new IndexedMemoryRepository();
    for (const id of ['a', 'b', 'c'])
      await repo.createResource<RelatedPerson>({
        resourceType: 'RelatedPerson',
        id,
        patient: { reference: 'Patient/p1' },
      });
    await repo.updateResource<RelatedPerson>({
      resourceType: 'RelatedPerson',
      id: 'a',
      patient: { reference: 'Patient/p1' },
      active: true,
    });
    await repo.deleteResource('RelatedPerson', 'b');
    await repo.createResource<RelatedPerson>({
      resourceType: 'RelatedPerson',
      id: 'b',
      patient: { reference: 'Patient/p1' },
    });
    const found = await repo.searchResources(parseSearchRequest('RelatedPerson?patient=Patient/p1'));
    expect(found.map((r) => r.id)).toEqual(['a', 'c', 'b']);
  });

  it.each([
    [`Task?identifier=${INVITATION}|inv-3`, true],
    ['RelatedPerson?patient=Patient/p1&_count=50', true],
    ['Task?status=requested', false],
    ['Task?patient=Patient/p1&_sort=authored-on', false],
    [`Task?identifier=${INVITATION}|`, false],
    ['Task?patient=p1', false],
    ['Task?patient=Patient/p1&focus:MedicationRequest.code=r03ba05', false],
    [`Task?identifier=${INVITATION}|inv-3&_include=Task:focus`, true],
  ])('%s: answered from the index: %s', async (query, fromIndex) => {
    const repo = new IndexedMemoryRepository();
    const plainSearch = jest.spyOn(MemoryRepository.prototype, 'search');
    try {
      await repo.search(parseSearchRequest(query));
      expect(plainSearch).toHaveBeenCalledTimes(fromIndex ? 0 : 1);
    } finally {
      plainSearch.mockRestore();
    }
  });

  it('answers a conditional create from the index and indexes what it creates', async () => {
    const repo = new IndexedMemoryRepository();
    const plainSearch = jest.spyOn(MemoryRepository.prototype, 'search');
    try {
      const task: Task = {
        resourceType: 'Task',
        status: 'requested',
        intent: 'order',
        identifier: [{ system: INVITATION, value: 'inv-c' }],
      };
      const first = await repo.conditionalCreate(task, parseSearchRequest(`Task?identifier=${INVITATION}|inv-c`));
      const second = await repo.conditionalCreate(task, parseSearchRequest(`Task?identifier=${INVITATION}|inv-c`));
      expect([first.outcome.id, second.outcome.id]).toEqual(['created', 'ok']);
      expect(second.resource.id).toBe(first.resource.id);
      const found = await repo.searchResources(parseSearchRequest(`Task?identifier=${INVITATION}|inv-c`));
      expect(found.map((t) => t.id)).toEqual([first.resource.id]);
      expect(plainSearch).not.toHaveBeenCalled();
    } finally {
      plainSearch.mockRestore();
    }
  });

  it('forgets everything on clear', async () => {
    const repo = new IndexedMemoryRepository();
    await repo.createResource<RelatedPerson>({
      resourceType: 'RelatedPerson',
      id: 'a',
      patient: { reference: 'Patient/p1' },
    });
    repo.clear();
    expect(await repo.searchResources(parseSearchRequest('RelatedPerson?patient=Patient/p1'))).toEqual([]);
  });
});
