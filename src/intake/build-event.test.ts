import type { EpdEvent } from './epd-event.js';
import { buildEvent, contentKey, dedupeEvents, interactionOf, occurredAtOf, type EventDraft } from './build-event.js';
import { parseReference } from './reference-parts.js';

const ctx = { source: 'hix', epdBase: 'https://epd.example.org/fhir', receivedAt: '2025-07-01T08:00:00.000Z' };

function draft(reference: string, extra: Partial<EventDraft> = {}): EventDraft {
  return {
    shape: 'bundle',
    target: parseReference(reference)!,
    occurredAt: ctx.receivedAt,
    unversionedKey: 'https://epd.example.org/fhir|fallback',
    ...extra,
  };
}

describe('buildEvent', () => {
  it.each([
    [
      'a version in the reference',
      draft('Encounter/e1/_history/3'),
      'https://epd.example.org/fhir|Encounter/e1/_history/3',
      '3',
    ],
    [
      'a version from meta, winning over the reference',
      draft('Encounter/e1/_history/3', { versionId: '4' }),
      'https://epd.example.org/fhir|Encounter/e1/_history/4',
      '4',
    ],
    ['no version', draft('Encounter/e1'), 'https://epd.example.org/fhir|fallback', undefined],
  ])('keys %s', (_case, input, eventKey, versionId) => {
    const event = buildEvent(input, ctx);
    expect(event.eventKey).toBe(eventKey);
    expect(event.versionId).toBe(versionId);
  });

  it.each([
    ['POST', undefined, 'create'],
    ['PUT', '1', 'update'],
    ['PATCH', undefined, 'update'],
    ['DELETE', '5', 'delete'],
    // No method: unknown whatever the version (real servers use UUIDs); the events job asks the history.
    [undefined, '1', 'unknown'],
    [undefined, '2', 'unknown'],
    [undefined, undefined, 'unknown'],
  ])('method %s with version %s is a %s', (method, versionId, interaction) => {
    expect(buildEvent(draft('CarePlan/cp1', { method, versionId }), ctx).interaction).toBe(interaction);
  });

  it('fills every field and leaves versionId out when unknown', () => {
    const event = buildEvent(draft('CarePlan/cp1', { shape: 'message', occurredAt: '2025-03-11T10:15:02+01:00' }), ctx);
    expect(event).toEqual({
      eventKey: 'https://epd.example.org/fhir|fallback',
      source: 'hix',
      shape: 'message',
      resourceType: 'CarePlan',
      reference: 'CarePlan/cp1',
      interaction: 'unknown',
      occurredAt: '2025-03-11T10:15:02+01:00',
    });
    expect('versionId' in event).toBe(false);
  });
});

describe('interactionOf', () => {
  it.each([
    ['POST', 'create'],
    ['GET', undefined],
    ['HEAD', undefined],
    ['post', undefined],
    [undefined, undefined],
  ])('%s → %s', (method, expected) => {
    expect(interactionOf(method)).toBe(expected);
  });
});

describe('occurredAtOf', () => {
  it.each([
    [['2025-03-11T09:42:17.000+01:00', '2025-03-11T10:00:00Z'], '2025-03-11T09:42:17.000+01:00'],
    [[undefined, '2020-05-29T11:44:13.1882432-05:00'], '2020-05-29T11:44:13.1882432-05:00'],
    [['2025-03-11', '2025-03-11T10:00:00Z'], '2025-03-11T10:00:00Z'],
    [['2025-03-11T10:00:00', 'yesterday'], ctx.receivedAt],
    [[], ctx.receivedAt],
  ])('%j → %s', (candidates, expected) => {
    expect(occurredAtOf(candidates, ctx)).toBe(expected);
  });
});

describe('contentKey', () => {
  it('hashes the content when there is some', () => {
    expect(contentKey(ctx, 'Patient/1', { resourceType: 'Patient', id: '1' }, { occurredAt: ctx.receivedAt })).toMatch(
      /^https:\/\/epd\.example\.org\/fhir\|Patient\/1\|sha256:[0-9a-f]{16}$/,
    );
  });

  it('tells changes without content apart by method and time', () => {
    const keys = [
      contentKey(ctx, 'Patient/1', undefined, { method: 'DELETE', occurredAt: '2025-01-01T00:00:00Z' }),
      contentKey(ctx, 'Patient/1', undefined, { method: 'PUT', occurredAt: '2025-01-01T00:00:00Z' }),
      contentKey(ctx, 'Patient/1', undefined, { method: 'DELETE', occurredAt: '2025-01-02T00:00:00Z' }),
      contentKey(ctx, 'Patient/2', undefined, { method: 'DELETE', occurredAt: '2025-01-01T00:00:00Z' }),
    ];
    expect(new Set(keys).size).toBe(4);
    expect(contentKey(ctx, 'Patient/1', undefined, { method: 'DELETE', occurredAt: '2025-01-01T00:00:00Z' })).toBe(
      keys[0],
    );
  });
});

describe('dedupeEvents', () => {
  it('keeps the first event of each key, in order', () => {
    const make = (eventKey: string, reference: string) => ({ eventKey, reference }) as EpdEvent;
    const events = [make('k1', 'A/1'), make('k2', 'B/1'), make('k1', 'C/1'), make('k3', 'D/1')];
    expect(dedupeEvents(events).map((e) => e.reference)).toEqual(['A/1', 'B/1', 'D/1']);
  });
});
