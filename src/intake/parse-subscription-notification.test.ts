import { AppError } from '../shared/errors.js';
import {
  loadNotificationFixture,
  type NotificationFixture,
} from '../../test/fixtures/notifications/load-notification-fixture.js';
import { parseSubscriptionNotification } from './parse-subscription-notification.js';
import type { ParsedNotification } from './parsed-notification.js';
import type { ResourceJson } from './resource-target.js';

const ctx = { source: 'hix', epdBase: 'https://epd.example.org/fhir', receivedAt: '2025-07-01T08:00:00.000Z' };
const BASE = 'https://epd.example.org/fhir';
const SUB = `${BASE}/Subscription/sub1`;

type EventSpec = { number?: number | string; timestamp?: string; focus?: string };

function notification(
  type: string,
  events: EventSpec[],
  entries: unknown[] = [],
  extra: Record<string, unknown> = {},
): ResourceJson {
  const parameter: unknown[] = [
    { name: 'subscription', valueReference: { reference: SUB } },
    { name: 'status', valueCode: 'active' },
    { name: 'type', valueCode: type },
    ...events.map((e) => ({
      name: 'notification-event',
      part: [
        ...(e.number === undefined ? [] : [{ name: 'event-number', valueString: String(e.number) }]),
        ...(e.timestamp ? [{ name: 'timestamp', valueInstant: e.timestamp }] : []),
        ...(e.focus ? [{ name: 'focus', valueReference: { reference: e.focus } }] : []),
      ],
    })),
  ];
  return {
    resourceType: 'Bundle',
    type: 'history',
    ...extra,
    entry: [{ fullUrl: 'urn:uuid:5d0c', resource: { resourceType: 'Parameters', parameter } }, ...entries],
  };
}

function resourceEntry(type: string, id: string, meta?: Record<string, string>, method = 'PUT'): unknown {
  return {
    fullUrl: `${BASE}/${type}/${id}`,
    resource: { resourceType: type, id, ...(meta ? { meta } : {}) },
    request: { method, url: `${type}/${id}` },
  };
}

function parse(body: ResourceJson): ParsedNotification {
  return parseSubscriptionNotification(body, ctx);
}

function events(
  body: ResourceJson,
): { eventKey: string; reference: string; interaction: string; occurredAt: string }[] {
  const result = parse(body);
  if (result.kind !== 'events') throw new Error(`expected events, got ${result.kind}`);
  return result.events.map(({ eventKey, reference, interaction, occurredAt }) => ({
    eventKey,
    reference,
    interaction,
    occurredAt,
  }));
}

describe('parseSubscriptionNotification on the fixtures', () => {
  it.each<[NotificationFixture, ParsedNotification]>([
    [
      'subscription-handshake',
      { kind: 'handshake', subscription: 'Subscription/sdm-bridge-hix', status: 'requested', eventCount: 0 },
    ],
    [
      'subscription-heartbeat',
      { kind: 'heartbeat', subscription: 'Subscription/sdm-bridge-hix', status: 'active', eventCount: 12 },
    ],
    [
      'subscription-empty',
      {
        kind: 'empty',
        subscription: 'Subscription/sdm-bridge-hix',
        status: 'active',
        eventCount: 17,
        eventNumbers: [17],
      },
    ],
  ])('%s', (name, expected) => {
    expect(parse(loadNotificationFixture(name) as ResourceJson)).toEqual(expected);
  });

  it('full-resource: one event per focus, the additional-context Patient left out', () => {
    const result = parse(loadNotificationFixture('subscription-full-resource') as ResourceJson);
    expect(result).toEqual({
      kind: 'events',
      subscription: 'Subscription/sdm-bridge-hix',
      status: 'active',
      eventCount: 14,
      eventNumbers: [13, 14],
      events: [
        {
          eventKey: 'https://epd.example.org/fhir|MedicationRequest/ma-5c21e9d4/_history/1',
          source: 'hix',
          shape: 'subscription-notification',
          resourceType: 'MedicationRequest',
          reference: 'MedicationRequest/ma-5c21e9d4',
          versionId: '1',
          interaction: 'create',
          occurredAt: '2025-03-11T09:42:17.000+01:00',
        },
        {
          eventKey: 'https://epd.example.org/fhir|CarePlan/cp-2a7f0b13/_history/3',
          source: 'hix',
          shape: 'subscription-notification',
          resourceType: 'CarePlan',
          reference: 'CarePlan/cp-2a7f0b13',
          versionId: '3',
          interaction: 'update',
          occurredAt: '2025-03-11T10:15:02.000+01:00',
        },
      ],
    });
  });

  it.each<[NotificationFixture, { eventKey: string; reference: string; interaction: string; occurredAt: string }[]]>([
    [
      'subscription-id-only',
      [
        {
          eventKey: 'https://epd.example.org/fhir|Subscription/sdm-bridge-hix|event/15',
          reference: 'Encounter/enc-91d3c6e8',
          interaction: 'update',
          occurredAt: '2025-06-17T11:31:45.220+02:00',
        },
        {
          eventKey: 'https://epd.example.org/fhir|CarePlan/cp-2a7f0b13/_history/4',
          reference: 'CarePlan/cp-2a7f0b13',
          interaction: 'update',
          occurredAt: '2025-06-17T11:40:08.900+02:00',
        },
      ],
    ],
    [
      'subscription-r4b-id-only',
      [
        {
          eventKey: 'https://epd.example.org/fhir|Encounter/enc-91d3c6e8/_history/3',
          reference: 'Encounter/enc-91d3c6e8',
          interaction: 'update',
          occurredAt: '2025-06-18T08:12:00.000+02:00',
        },
      ],
    ],
  ])('%s: one event per focus reference', (name, expected) => {
    expect(events(loadNotificationFixture(name) as ResourceJson)).toEqual(expected);
  });
});

describe('parseSubscriptionNotification', () => {
  it.each([
    ['query-status', 'heartbeat'],
    ['heartbeat', 'heartbeat'],
    ['handshake', 'handshake'],
  ])('a %s notification is a %s', (type, kind) => {
    expect(parse(notification(type, []))).toEqual({ kind, subscription: 'Subscription/sub1', status: 'active' });
  });

  it('a query-event answer gives events like an event notification', () => {
    expect(events(notification('query-event', [{ number: 4, focus: 'CarePlan/cp1/_history/2' }]))).toEqual([
      {
        eventKey: 'https://epd.example.org/fhir|CarePlan/cp1/_history/2',
        reference: 'CarePlan/cp1',
        interaction: 'unknown',
        occurredAt: ctx.receivedAt,
      },
    ]);
  });

  it.each([
    ['no notification-event and no entries', [], [], []],
    ['events without focus and no entries', [{ number: 3 }, { number: 4 }], [], [3, 4]],
    ['only a read entry', [{ number: 5 }], [resourceEntry('Patient', 'p1', undefined, 'GET')], [5]],
  ])('is empty with %s', (_case, evts, entries, eventNumbers) => {
    expect(parse(notification('event-notification', evts, entries))).toEqual({
      kind: 'empty',
      subscription: 'Subscription/sub1',
      status: 'active',
      eventNumbers,
    });
  });

  it('without focus, every changed entry is an event; one event number names one entry', () => {
    const one = events(notification('event-notification', [{ number: 9 }], [{ fullUrl: `${BASE}/Encounter/e1` }]));
    expect(one.map((e) => e.eventKey)).toEqual(['https://epd.example.org/fhir|Subscription/sub1|event/9']);
    const two = events(
      notification(
        'event-notification',
        [{ number: 9 }],
        [{ fullUrl: `${BASE}/Encounter/e1` }, { fullUrl: `${BASE}/Encounter/e2` }],
      ),
    );
    expect(two.map((e) => e.reference)).toEqual(['Encounter/e1', 'Encounter/e2']);
    expect(two.map((e) => e.eventKey)).toEqual([
      expect.stringMatching(/^https:\/\/epd\.example\.org\/fhir\|Encounter\/e1\|sha256:/),
      expect.stringMatching(/^https:\/\/epd\.example\.org\/fhir\|Encounter\/e2\|sha256:/),
    ]);
  });

  it('with focus, entries that are not a focus are context, not events', () => {
    const body = notification(
      'event-notification',
      [{ number: 3, focus: 'CarePlan/cp1' }],
      [
        resourceEntry('Patient', 'p1', { versionId: '9' }, 'PUT'),
        resourceEntry('CarePlan', 'cp1', { versionId: '2' }, 'POST'),
      ],
    );
    expect(events(body)).toEqual([
      expect.objectContaining({
        eventKey: 'https://epd.example.org/fhir|CarePlan/cp1/_history/2',
        interaction: 'create',
      }),
    ]);
  });

  it('a focus whose version differs from the entry is an event of the focus alone', () => {
    const body = notification(
      'event-notification',
      [{ number: 2, focus: 'CarePlan/cp1/_history/5' }],
      [resourceEntry('CarePlan', 'cp1', { versionId: '4' })],
    );
    expect(events(body).map((e) => e.eventKey)).toEqual(['https://epd.example.org/fhir|CarePlan/cp1/_history/5']);
  });

  it('takes the version from the focus when the matching entry has none', () => {
    const body = notification(
      'event-notification',
      [{ number: 2, focus: 'CarePlan/cp1/_history/5' }],
      [resourceEntry('CarePlan', 'cp1')],
    );
    expect(events(body)).toEqual([
      expect.objectContaining({
        eventKey: 'https://epd.example.org/fhir|CarePlan/cp1/_history/5',
        interaction: 'update',
      }),
    ]);
  });

  it('two notification events about the same version give one event but both numbers', () => {
    const body = notification('event-notification', [
      { number: 6, focus: 'Encounter/e1/_history/2' },
      { number: 7, focus: `${BASE}/Encounter/e1/_history/2` },
    ]);
    const result = parse(body);
    expect(result).toEqual(
      expect.objectContaining({
        eventNumbers: [6, 7],
        events: [expect.objectContaining({ reference: 'Encounter/e1' })],
      }),
    );
  });

  it.each([
    [
      'meta.lastUpdated first',
      { lastUpdated: '2025-01-01T10:00:00Z' },
      '2025-01-02T10:00:00Z',
      '2025-01-03T10:00:00Z',
      '2025-01-01T10:00:00Z',
    ],
    ['then the event timestamp', undefined, '2025-01-02T10:00:00Z', '2025-01-03T10:00:00Z', '2025-01-02T10:00:00Z'],
    ['then the Bundle timestamp', undefined, undefined, '2025-01-03T10:00:00Z', '2025-01-03T10:00:00Z'],
    ['else the time received', undefined, undefined, undefined, ctx.receivedAt],
  ])('occurredAt: %s', (_case, meta, timestamp, bundleTimestamp, expected) => {
    const body = notification(
      'event-notification',
      [{ number: 1, focus: 'CarePlan/cp1', ...(timestamp ? { timestamp } : {}) }],
      [resourceEntry('CarePlan', 'cp1', meta)],
      bundleTimestamp ? { timestamp: bundleTimestamp } : {},
    );
    expect(events(body)[0]?.occurredAt).toBe(expected);
  });

  it.each([
    [
      'a first entry that is no status',
      { resourceType: 'Bundle', type: 'history', entry: [resourceEntry('Patient', 'p1')] },
      ['Bundle.entry[0].resource.resourceType'],
    ],
    [
      'a first entry without resource',
      { resourceType: 'Bundle', type: 'history', entry: [{ fullUrl: 'urn:uuid:1' }] },
      ['Bundle.entry[0].resource'],
    ],
    [
      'an event notification without subscription',
      {
        resourceType: 'Bundle',
        type: 'history',
        entry: [{ resource: { resourceType: 'SubscriptionStatus', type: 'event-notification' } }],
      },
      ['Bundle.entry[0].resource'],
    ],
    [
      'a bad focus and a resource without id, both',
      notification(
        'event-notification',
        [{ number: 1, focus: 'urn:uuid:77' }],
        [{ resource: { resourceType: 'CarePlan' } }],
      ),
      ['Bundle.entry[0].resource.parameter[3].part[1]', 'Bundle.entry[1].resource.id'],
    ],
  ])('refuses %s with a 422 naming every field', (_case, body, expressions) => {
    let error: unknown;
    try {
      parse(body as ResourceJson);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).status).toBe(422);
    expect((error as AppError).problems.map((p) => p.expression)).toEqual(expressions);
  });
});
