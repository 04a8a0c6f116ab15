import { AppError } from '../shared/errors.js';
import { loadNotificationFixture } from '../../test/fixtures/notifications/load-notification-fixture.js';
import { parseMessageBundle } from './parse-message-bundle.js';
import type { ResourceJson } from './resource-target.js';

const ctx = { source: 'hix', epdBase: 'https://epd.example.org/fhir', receivedAt: '2025-07-01T08:00:00.000Z' };
const HEADER_EVENT = { system: 'https://sdm-bridge.org/fhir/CodeSystem/epd-message-event', code: 'care-plan-changed' };

function message(
  focus: unknown[],
  entries: unknown[] = [],
  header: Record<string, unknown> = {},
  bundle: Record<string, unknown> = {},
): ResourceJson {
  const messageHeader = {
    resourceType: 'MessageHeader',
    id: 'mh1',
    eventCoding: HEADER_EVENT,
    source: { endpoint: 'https://epd.example.org/fhir' },
    focus,
    ...header,
  };
  return {
    resourceType: 'Bundle',
    id: 'b1',
    type: 'message',
    ...bundle,
    entry: [{ fullUrl: 'urn:uuid:mh1', resource: messageHeader }, ...entries],
  };
}

function keys(body: ResourceJson): string[] {
  const result = parseMessageBundle(body, ctx);
  return result.kind === 'events' ? result.events.map((e) => e.eventKey) : [];
}

function problemsOf(body: ResourceJson): { status: number; expressions: (string | undefined)[] } {
  try {
    parseMessageBundle(body, ctx);
  } catch (err) {
    if (err instanceof AppError) return { status: err.status, expressions: err.problems.map((p) => p.expression) };
    throw err;
  }
  throw new Error('expected the message to be refused');
}

const carePlan = (meta?: Record<string, string>) => ({
  resourceType: 'CarePlan',
  id: 'cp1',
  ...(meta ? { meta } : {}),
});

describe('parseMessageBundle', () => {
  it('reads the fixture: a urn:uuid focus resolved in the Bundle and a literal focus outside it', () => {
    const result = parseMessageBundle(loadNotificationFixture('message-bundle') as ResourceJson, ctx);
    expect(result).toEqual({
      kind: 'events',
      eventNumbers: [],
      events: [
        {
          eventKey: 'https://epd.example.org/fhir|MedicationRequest/ma-5c21e9d4/_history/2',
          source: 'hix',
          shape: 'message',
          resourceType: 'MedicationRequest',
          reference: 'MedicationRequest/ma-5c21e9d4',
          versionId: '2',
          interaction: 'unknown',
          occurredAt: '2025-04-02T15:20:44.000+02:00',
        },
        {
          eventKey: 'https://epd.example.org/fhir|message/4f5a6b7c-8d9e-4f0a-9b1c-2d3e4f5a6b7c|Encounter/enc-91d3c6e8',
          source: 'hix',
          shape: 'message',
          resourceType: 'Encounter',
          reference: 'Encounter/enc-91d3c6e8',
          interaction: 'unknown',
          occurredAt: '2025-04-02T15:20:45.000+02:00',
        },
      ],
    });
  });

  it.each([
    [
      'a urn focus on a versioned entry',
      [{ reference: 'urn:uuid:c1' }],
      [{ fullUrl: 'urn:uuid:c1', resource: carePlan({ versionId: '1' }) }],
      {},
      {},
      'https://epd.example.org/fhir|CarePlan/cp1/_history/1',
    ],
    [
      'a literal focus matching an entry by type and id',
      [{ reference: 'CarePlan/cp1' }],
      [{ fullUrl: 'urn:uuid:c1', resource: carePlan({ versionId: '7' }) }],
      {},
      {},
      'https://epd.example.org/fhir|CarePlan/cp1/_history/7',
    ],
    [
      'an absolute focus with a version, entry without',
      [{ reference: 'https://epd.example.org/fhir/CarePlan/cp1/_history/3' }],
      [{ resource: carePlan() }],
      {},
      {},
      'https://epd.example.org/fhir|CarePlan/cp1/_history/3',
    ],
    [
      'no version: keyed by the header id',
      [{ reference: 'CarePlan/cp1' }],
      [],
      {},
      {},
      'https://epd.example.org/fhir|message/mh1|CarePlan/cp1',
    ],
    [
      'no header id: keyed by the Bundle id',
      [{ reference: 'CarePlan/cp1' }],
      [],
      { id: undefined },
      {},
      'https://epd.example.org/fhir|message/b1|CarePlan/cp1',
    ],
  ])('keys %s', (_case, focus, entries, header, bundle, key) => {
    expect(keys(message(focus, entries, header, bundle))).toEqual([key]);
  });

  it('without any id, keys by a hash of the header, stable across deliveries', () => {
    const body = () => message([{ reference: 'CarePlan/cp1' }], [], { id: undefined }, { id: undefined });
    const [first] = keys(body());
    expect(first).toMatch(/^https:\/\/epd\.example\.org\/fhir\|message\/sha256:[0-9a-f]{16}\|CarePlan\/cp1$/);
    expect(keys(body())).toEqual([first]);
  });

  it('leaves the interaction unknown for version 1 and takes the header timestamp before the Bundle timestamp', () => {
    const body = message(
      [{ reference: 'urn:uuid:c1' }],
      [{ fullUrl: 'urn:uuid:c1', resource: carePlan({ versionId: '1' }) }],
      { timestamp: '2025-05-01T09:00:00+02:00' },
      { timestamp: '2025-05-01T09:00:05+02:00' },
    );
    const result = parseMessageBundle(body, ctx);
    expect(result.kind === 'events' && result.events[0]).toEqual(
      expect.objectContaining({ interaction: 'unknown', occurredAt: '2025-05-01T09:00:00+02:00' }),
    );
  });

  it('gives one event for two focus references to the same change', () => {
    expect(
      keys(
        message(
          [{ reference: 'urn:uuid:c1' }, { reference: 'CarePlan/cp1' }],
          [{ fullUrl: 'urn:uuid:c1', resource: carePlan({ versionId: '2' }) }],
        ),
      ),
    ).toEqual(['https://epd.example.org/fhir|CarePlan/cp1/_history/2']);
  });

  it.each([
    [
      'a Bundle without MessageHeader first',
      { resourceType: 'Bundle', type: 'message', entry: [{ resource: carePlan() }] },
      ['Bundle.entry[0].resource'],
    ],
    ['a header without focus', message([]), ['Bundle.entry[0].resource.focus']],
    [
      'a focus without reference, a urn that is not in the Bundle, and a focused entry without id',
      message(
        [{ display: 'x' }, { reference: 'urn:uuid:nope' }, { reference: 'urn:uuid:c1' }],
        [{ fullUrl: 'urn:uuid:c1', resource: { resourceType: 'CarePlan' } }],
      ),
      [
        'Bundle.entry[0].resource.focus[0].reference',
        'Bundle.entry[0].resource.focus[1].reference',
        'Bundle.entry[1].resource.id',
      ],
    ],
    [
      'a focus on an infrastructure entry',
      message(
        [{ reference: 'urn:uuid:oo' }],
        [{ fullUrl: 'urn:uuid:oo', resource: { resourceType: 'OperationOutcome', issue: [] } }],
      ),
      ['Bundle.entry[0].resource.focus[0].reference'],
    ],
  ])('refuses %s with a 422', (_case, body, expressions) => {
    expect(problemsOf(body as ResourceJson)).toEqual({ status: 422, expressions });
  });
});
