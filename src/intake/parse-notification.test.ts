import { AppError } from '../shared/errors.js';
import {
  loadNotificationFixture,
  type NotificationFixture,
} from '../../test/fixtures/notifications/load-notification-fixture.js';
import { parseNotification } from './parse-notification.js';

const ctx = { source: 'hix', epdBase: 'https://epd.example.org/fhir', receivedAt: '2025-07-01T08:00:00.000Z' };

function refusal(body: unknown): { status: number; expressions: (string | undefined)[] } {
  try {
    parseNotification(body, ctx);
  } catch (err) {
    if (err instanceof AppError) return { status: err.status, expressions: err.problems.map((p) => p.expression) };
    throw err;
  }
  throw new Error('expected the body to be refused');
}

describe('parseNotification', () => {
  it.each<[NotificationFixture, string, string | undefined, string[]]>([
    ['medication-request', 'events', 'resource', ['MedicationRequest/ma-5c21e9d4']],
    ['care-plan', 'events', 'resource', ['CarePlan/cp-2a7f0b13']],
    ['encounter', 'events', 'resource', ['Encounter/enc-91d3c6e8']],
    ['subscription-handshake', 'handshake', undefined, []],
    ['subscription-heartbeat', 'heartbeat', undefined, []],
    ['subscription-empty', 'empty', undefined, []],
    [
      'subscription-full-resource',
      'events',
      'subscription-notification',
      ['MedicationRequest/ma-5c21e9d4', 'CarePlan/cp-2a7f0b13'],
    ],
    ['subscription-id-only', 'events', 'subscription-notification', ['Encounter/enc-91d3c6e8', 'CarePlan/cp-2a7f0b13']],
    ['subscription-r4b-id-only', 'events', 'subscription-notification', ['Encounter/enc-91d3c6e8']],
    ['message-bundle', 'events', 'message', ['MedicationRequest/ma-5c21e9d4', 'Encounter/enc-91d3c6e8']],
    [
      'transaction-bundle',
      'events',
      'bundle',
      ['MedicationRequest/ma-5c21e9d4', 'CarePlan/cp-2a7f0b13', 'Encounter/enc-0a1b2c3d'],
    ],
    [
      'collection-bundle',
      'events',
      'bundle',
      ['MedicationRequest/ma-5c21e9d4', 'CarePlan/cp-2a7f0b13', 'Encounter/enc-91d3c6e8'],
    ],
  ])('%s → %s', (name, kind, shape, references) => {
    const result = parseNotification(loadNotificationFixture(name), ctx);
    expect(result.kind).toBe(kind);
    const events = result.kind === 'events' ? result.events : [];
    expect(events.map((e) => e.reference)).toEqual(references);
    expect(events.every((e) => e.shape === shape && e.source === 'hix')).toBe(true);
  });

  it('gives a pushed and a polled copy of one version the same key', () => {
    const pushed = parseNotification(loadNotificationFixture('subscription-full-resource'), ctx);
    const posted = parseNotification(loadNotificationFixture('medication-request'), {
      ...ctx,
      receivedAt: '2025-07-02T08:00:00.000Z',
    });
    const key = (r: typeof pushed) => (r.kind === 'events' ? r.events[0]?.eventKey : undefined);
    expect(key(pushed)).toBe('https://epd.example.org/fhir|MedicationRequest/ma-5c21e9d4/_history/1');
    expect(key(posted)).toBe(key(pushed));
  });

  it('accepts the R5 Bundle type subscription-notification like history', () => {
    const body = { ...loadNotificationFixture('subscription-heartbeat'), type: 'subscription-notification' };
    expect(parseNotification(body, ctx).kind).toBe('heartbeat');
  });

  it.each([
    [
      'with a version',
      { resourceType: 'CarePlan', id: 'cp1', meta: { versionId: '1' } },
      'https://epd.example.org/fhir|CarePlan/cp1/_history/1',
      'unknown',
    ],
    [
      'without a version',
      { resourceType: 'CarePlan', id: 'cp1', status: 'draft' },
      /^https:\/\/epd\.example\.org\/fhir\|CarePlan\/cp1\|sha256:[0-9a-f]{16}$/,
      'unknown',
    ],
  ])('a single resource %s', (_case, body, key, interaction) => {
    const result = parseNotification(body, ctx);
    expect(result).toEqual({
      kind: 'events',
      eventNumbers: [],
      events: [
        expect.objectContaining({
          eventKey: typeof key === 'string' ? key : expect.stringMatching(key),
          interaction,
          occurredAt: ctx.receivedAt,
        }),
      ],
    });
  });

  it.each([
    ['null', null],
    ['a string', 'MedicationRequest/1'],
    ['an array', [{ resourceType: 'Patient', id: '1' }]],
    ['an object without resourceType', { id: '1', status: 'active' }],
    ['a non-string resourceType', { resourceType: 42 }],
  ])('refuses %s with a 400', (_case, body) => {
    expect(refusal(body)).toEqual({ status: 400, expressions: ['resourceType'] });
  });

  it.each([
    [
      'a searchset Bundle',
      { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: { resourceType: 'Patient', id: '1' } }] },
      ['Bundle.type'],
    ],
    [
      'a document Bundle without entries',
      { resourceType: 'Bundle', type: 'document' },
      ['Bundle.type', 'Bundle.entry'],
    ],
    ['a Bundle without type', { resourceType: 'Bundle', entry: [{}] }, ['Bundle.type']],
    ['a transaction without entries', { resourceType: 'Bundle', type: 'transaction', entry: [] }, ['Bundle.entry']],
    ['a resource without id', { resourceType: 'Encounter', status: 'finished' }, ['Encounter.id']],
    [
      'a resource with a malformed id and version',
      { resourceType: 'Encounter', id: 'a b', meta: { versionId: '' } },
      ['Encounter.id', 'Encounter.meta.versionId'],
    ],
    [
      'an OperationOutcome alone',
      { resourceType: 'OperationOutcome', id: 'oo1', issue: [] },
      ['OperationOutcome.resourceType'],
    ],
    ['a Parameters alone', { resourceType: 'Parameters', id: 'p1' }, ['Parameters.resourceType']],
    [
      'a notification of unknown type',
      {
        resourceType: 'Bundle',
        type: 'history',
        entry: [{ resource: { resourceType: 'Parameters', parameter: [{ name: 'type', valueCode: 'ping' }] } }],
      },
      ['Bundle.entry[0].resource.parameter[0]'],
    ],
    [
      'a message without MessageHeader first',
      { resourceType: 'Bundle', type: 'message', entry: [{ resource: { resourceType: 'Patient', id: '1' } }] },
      ['Bundle.entry[0].resource'],
    ],
  ])('refuses %s with a 422', (_case, body, expressions) => {
    expect(refusal(body)).toEqual({ status: 422, expressions });
  });

  it('never retries a refusal', () => {
    expect(() => parseNotification({ resourceType: 'Encounter' }, ctx)).toThrow(
      expect.objectContaining({ retry: false }),
    );
  });
});
