import type { Problem } from '../shared/errors.js';
import { readBundleEntry } from './read-bundle-entry.js';

const BASE = 'https://epd.example.org/fhir';
const PATH = 'Bundle.entry[1]';
const carePlan = {
  resourceType: 'CarePlan',
  id: 'cp1',
  status: 'active',
  intent: 'plan',
  subject: { reference: 'Patient/p1' },
};
const patch = {
  resourceType: 'Parameters',
  parameter: [{ name: 'operation', part: [{ name: 'type', valueCode: 'replace' }] }],
};

function read(entry: unknown): { item: ReturnType<typeof readBundleEntry>; problems: Problem[] } {
  const problems: Problem[] = [];
  return { item: readBundleEntry(entry, PATH, problems), problems };
}

describe('readBundleEntry', () => {
  const versioned = { ...carePlan, meta: { versionId: '3', lastUpdated: '2025-03-11T10:15:02+01:00' } };
  it.each([
    [
      'a full resource with its meta',
      { fullUrl: `${BASE}/CarePlan/cp1`, resource: versioned },
      {
        target: { resourceType: 'CarePlan', id: 'cp1', versionId: '3', reference: 'CarePlan/cp1' },
        content: versioned,
        lastUpdated: '2025-03-11T10:15:02+01:00',
        fullUrl: `${BASE}/CarePlan/cp1`,
      },
    ],
    [
      'a resource whose version is only in response.location',
      {
        resource: carePlan,
        request: { method: 'PUT', url: 'CarePlan/cp1' },
        response: { status: '200', location: 'CarePlan/cp1/_history/4' },
      },
      {
        target: { resourceType: 'CarePlan', id: 'cp1', versionId: '4', reference: 'CarePlan/cp1' },
        content: carePlan,
        method: 'PUT',
      },
    ],
    [
      'a resource whose response.location names another resource',
      {
        resource: carePlan,
        request: { method: 'PUT', url: 'CarePlan/cp1' },
        response: { status: '200', location: 'CarePlan/cp2/_history/4' },
      },
      { target: { resourceType: 'CarePlan', id: 'cp1', reference: 'CarePlan/cp1' }, content: carePlan, method: 'PUT' },
    ],
    [
      'an id-only entry',
      { fullUrl: `${BASE}/Encounter/e1`, request: { method: 'PUT', url: 'Encounter/e1' }, response: { status: '200' } },
      {
        target: { resourceType: 'Encounter', id: 'e1', reference: 'Encounter/e1' },
        method: 'PUT',
        fullUrl: `${BASE}/Encounter/e1`,
      },
    ],
    [
      'an id-only entry named by its request URL only',
      { request: { method: 'POST', url: 'Encounter/e1' } },
      { target: { resourceType: 'Encounter', id: 'e1', reference: 'Encounter/e1' }, method: 'POST' },
    ],
    [
      'a delete, named by its request URL rather than an unrelated fullUrl',
      { fullUrl: 'urn:uuid:0d4c', request: { method: 'DELETE', url: 'Encounter/old1' } },
      {
        target: { resourceType: 'Encounter', id: 'old1', reference: 'Encounter/old1' },
        method: 'DELETE',
        fullUrl: 'urn:uuid:0d4c',
      },
    ],
    [
      'a patch, named by its request URL, with the patch document as content',
      { resource: patch, request: { method: 'PATCH', url: 'CarePlan/cp1' } },
      { target: { resourceType: 'CarePlan', id: 'cp1', reference: 'CarePlan/cp1' }, content: patch, method: 'PATCH' },
    ],
  ])('reads %s', (_case, entry, expected) => {
    expect(read(entry)).toEqual({ item: expected, problems: [] });
  });

  it.each([
    [
      'a read',
      {
        fullUrl: `${BASE}/Patient/p1`,
        resource: { resourceType: 'Patient', id: 'p1' },
        request: { method: 'GET', url: 'Patient/p1' },
      },
    ],
    ['a HEAD', { request: { method: 'HEAD', url: 'Patient/p1' } }],
    ['an OperationOutcome', { resource: { resourceType: 'OperationOutcome', issue: [] } }],
    ['a nested Bundle', { resource: { resourceType: 'Bundle', id: 'b1', type: 'collection' } }],
  ])('skips %s without a problem', (_case, entry) => {
    expect(read(entry)).toEqual({ item: undefined, problems: [] });
  });

  it.each([
    ['an entry that is no object', 'x', `${PATH}`],
    [
      'an unknown method',
      { resource: carePlan, request: { method: 'MERGE', url: 'CarePlan' } },
      `${PATH}.request.method`,
    ],
    ['a resource without resourceType', { resource: { id: 'x' } }, `${PATH}.resource.resourceType`],
    [
      'a resource without id',
      { resource: { resourceType: 'CarePlan' }, request: { method: 'POST', url: 'CarePlan' } },
      `${PATH}.resource.id`,
    ],
    ['a malformed id', { resource: { resourceType: 'CarePlan', id: 'a/b' } }, `${PATH}.resource.id`],
    [
      'a malformed versionId',
      { resource: { ...carePlan, meta: { versionId: 'v 1' } } },
      `${PATH}.resource.meta.versionId`,
    ],
    [
      'an id-only entry with a urn',
      { fullUrl: 'urn:uuid:0d4c', request: { method: 'PUT', url: 'Encounter?identifier=x|1' } },
      `${PATH}.fullUrl`,
    ],
    ['a conditional delete', { request: { method: 'DELETE', url: 'Encounter?identifier=x|1' } }, `${PATH}.request.url`],
  ])('reports %s', (_case, entry, expression) => {
    const { item, problems } = read(entry);
    expect(item).toBeUndefined();
    expect(problems).toEqual([expect.objectContaining({ expression })]);
  });
});
