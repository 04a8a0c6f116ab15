import { AppError } from '../shared/errors.js';
import { loadNotificationFixture } from '../../test/fixtures/notifications/load-notification-fixture.js';
import { parseResourceBundle } from './parse-resource-bundle.js';
import type { ResourceJson } from './resource-target.js';

const ctx = { source: 'hix', epdBase: 'https://epd.example.org/fhir', receivedAt: '2025-07-01T08:00:00.000Z' };

function bundle(type: string, entry: unknown[], extra: Record<string, unknown> = {}): ResourceJson {
  return { resourceType: 'Bundle', type, ...extra, entry };
}

function summary(body: ResourceJson): [string, string, string | undefined][] {
  const result = parseResourceBundle(body, ctx);
  return result.kind === 'events' ? result.events.map((e) => [e.reference, e.interaction, e.versionId]) : [];
}

const encounter = (id: string, meta?: Record<string, string>) => ({
  resourceType: 'Encounter',
  id,
  status: 'finished',
  ...(meta ? { meta } : {}),
});

describe('parseResourceBundle', () => {
  it.each([
    [
      'transaction-bundle' as const,
      [
        ['MedicationRequest/ma-5c21e9d4', 'update', undefined],
        ['CarePlan/cp-2a7f0b13', 'update', undefined],
        ['Encounter/enc-0a1b2c3d', 'delete', undefined],
      ],
    ],
    [
      'collection-bundle' as const,
      [
        ['MedicationRequest/ma-5c21e9d4', 'unknown', '2'],
        ['CarePlan/cp-2a7f0b13', 'unknown', '3'],
        ['Encounter/enc-91d3c6e8', 'unknown', '2'],
      ],
    ],
  ])('reads the %s fixture', (name, expected) => {
    expect(summary(loadNotificationFixture(name) as ResourceJson)).toEqual(expected);
  });

  it.each([
    ['POST', 'create'],
    ['PUT', 'update'],
    ['DELETE', 'delete'],
  ])('a %s entry is a %s', (method, interaction) => {
    const entry =
      method === 'DELETE'
        ? { request: { method, url: 'Encounter/e1' } }
        : { resource: encounter('e1'), request: { method, url: 'Encounter' } };
    expect(summary(bundle('transaction', [entry]))).toEqual([['Encounter/e1', interaction, undefined]]);
  });

  it('a PATCH is an update of the resource in its URL', () => {
    const patch = {
      resourceType: 'Parameters',
      parameter: [{ name: 'operation', part: [{ name: 'type', valueCode: 'replace' }] }],
    };
    expect(summary(bundle('batch', [{ resource: patch, request: { method: 'PATCH', url: 'CarePlan/cp1' } }]))).toEqual([
      ['CarePlan/cp1', 'update', undefined],
    ]);
  });

  it('a batch skips reads and infrastructure resources', () => {
    const body = bundle('batch', [
      { request: { method: 'GET', url: 'Patient/p1' } },
      {
        resource: { resourceType: 'OperationOutcome', issue: [] },
        request: { method: 'POST', url: 'OperationOutcome' },
      },
      { resource: encounter('e1'), request: { method: 'PUT', url: 'Encounter/e1' } },
    ]);
    expect(summary(body)).toEqual([['Encounter/e1', 'update', undefined]]);
  });

  it('keys unversioned resources by content hash: same content same key, changed content new key', () => {
    const keyOf = (status: string) => {
      const result = parseResourceBundle(
        bundle('transaction', [
          { resource: { ...encounter('e1'), status }, request: { method: 'PUT', url: 'Encounter/e1' } },
        ]),
        ctx,
      );
      return result.kind === 'events' ? result.events[0]?.eventKey : undefined;
    };
    expect(keyOf('finished')).toMatch(/^https:\/\/epd\.example\.org\/fhir\|Encounter\/e1\|sha256:[0-9a-f]{16}$/);
    expect(keyOf('finished')).toBe(keyOf('finished'));
    expect(keyOf('finished')).not.toBe(keyOf('in-progress'));
  });

  it('keeps one event for a change listed twice', () => {
    const entry = { resource: encounter('e1', { versionId: '2' }) };
    expect(summary(bundle('collection', [entry, entry]))).toEqual([['Encounter/e1', 'unknown', '2']]);
  });

  it.each([
    [
      'meta.lastUpdated',
      { lastUpdated: '2025-01-01T10:00:00Z' },
      { timestamp: '2025-01-02T10:00:00Z' },
      '2025-01-01T10:00:00Z',
    ],
    ['the Bundle timestamp', undefined, { timestamp: '2025-01-02T10:00:00Z' }, '2025-01-02T10:00:00Z'],
    ['the time received', undefined, {}, ctx.receivedAt],
  ])('occurredAt falls back to %s', (_case, meta, extra, expected) => {
    const result = parseResourceBundle(bundle('collection', [{ resource: encounter('e1', meta) }], extra), ctx);
    expect(result.kind === 'events' && result.events[0]?.occurredAt).toBe(expected);
  });

  it.each([
    [
      'a POST without id and a conditional DELETE',
      [
        { resource: { resourceType: 'Encounter', status: 'planned' }, request: { method: 'POST', url: 'Encounter' } },
        { request: { method: 'DELETE', url: 'Encounter?identifier=x|1' } },
      ],
      ['Bundle.entry[0].resource.id', 'Bundle.entry[1].request.url'],
    ],
    ['nothing but reads', [{ request: { method: 'GET', url: 'Patient/p1' } }], ['Bundle.entry']],
  ])('refuses %s with a 422 naming every field', (_case, entries, expressions) => {
    let error: unknown;
    try {
      parseResourceBundle(bundle('transaction', entries), ctx);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).status).toBe(422);
    expect((error as AppError).problems.map((p) => p.expression)).toEqual(expressions);
  });
});
