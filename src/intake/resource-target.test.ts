import type { Problem } from '../shared/errors.js';
import { isResourceJson, lastUpdated, resourceTarget, type ResourceJson } from './resource-target.js';

function target(resource: ResourceJson): { parts: ReturnType<typeof resourceTarget>; problems: Problem[] } {
  const problems: Problem[] = [];
  return { parts: resourceTarget(resource, 'Bundle.entry[2].resource', problems), problems };
}

describe('resourceTarget', () => {
  it.each([
    [
      { resourceType: 'Encounter', id: 'e1' },
      { resourceType: 'Encounter', id: 'e1', reference: 'Encounter/e1' },
    ],
    [
      { resourceType: 'Encounter', id: 'e1', meta: { versionId: '2' } },
      { resourceType: 'Encounter', id: 'e1', versionId: '2', reference: 'Encounter/e1' },
    ],
    [
      { resourceType: 'Encounter', id: 'e1', meta: { lastUpdated: '2025-01-01T00:00:00Z' } },
      { resourceType: 'Encounter', id: 'e1', reference: 'Encounter/e1' },
    ],
  ])('reads %j', (resource, parts) => {
    expect(target(resource)).toEqual({ parts, problems: [] });
  });

  it.each([
    [{ resourceType: 'Encounter' }, [['required', 'Bundle.entry[2].resource.id']]],
    [{ resourceType: 'Encounter', id: 7 }, [['value', 'Bundle.entry[2].resource.id']]],
    [{ resourceType: 'encounter', id: 'e1' }, [['value', 'Bundle.entry[2].resource.resourceType']]],
    [
      { resourceType: 'Encounter', id: 'e1', meta: { versionId: 3 } },
      [['value', 'Bundle.entry[2].resource.meta.versionId']],
    ],
    [
      { resourceType: 'Encounter', id: '', meta: { versionId: 'a/b' } },
      [
        ['value', 'Bundle.entry[2].resource.id'],
        ['value', 'Bundle.entry[2].resource.meta.versionId'],
      ],
    ],
  ])('reports every problem of %j', (resource, expected) => {
    const { parts, problems } = target(resource as ResourceJson);
    expect(parts).toBeUndefined();
    expect(problems.map((p) => [p.code, p.expression])).toEqual(expected);
  });
});

describe('isResourceJson / lastUpdated', () => {
  it.each([
    [{ resourceType: 'Patient' }, true],
    [{ resourceType: 1 }, false],
    [{}, false],
    [null, false],
  ])('isResourceJson(%j) → %s', (value, expected) => {
    expect(isResourceJson(value)).toBe(expected);
  });

  it.each([
    [{ meta: { lastUpdated: '2025-01-01T00:00:00Z' } }, '2025-01-01T00:00:00Z'],
    [{ meta: { lastUpdated: 5 } }, undefined],
    [{ meta: 'x' }, undefined],
    [undefined, undefined],
  ])('lastUpdated(%j) → %s', (resource, expected) => {
    expect(lastUpdated(resource)).toBe(expected);
  });
});
