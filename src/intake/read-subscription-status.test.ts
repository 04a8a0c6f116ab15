import type { Problem } from '../shared/errors.js';
import { readSubscriptionStatus, type SubscriptionStatusInfo } from './read-subscription-status.js';
import type { ResourceJson } from './resource-target.js';

const BASE = 'https://epd.example.org/fhir';
const PATH = 'Bundle.entry[0].resource';

const parameters: ResourceJson = {
  resourceType: 'Parameters',
  parameter: [
    { name: 'subscription', valueReference: { reference: `${BASE}/Subscription/sub1` } },
    { name: 'topic', valueCanonical: 'https://sdm-bridge.org/fhir/SubscriptionTopic/key-moments' },
    { name: 'status', valueCode: 'active' },
    { name: 'type', valueCode: 'event-notification' },
    { name: 'events-since-subscription-start', valueString: '8' },
    {
      name: 'notification-event',
      part: [
        { name: 'event-number', valueString: '7' },
        { name: 'timestamp', valueInstant: '2025-03-11T09:42:17.350+01:00' },
        { name: 'focus', valueReference: { reference: `${BASE}/MedicationRequest/ma1` } },
      ],
    },
    { name: 'notification-event', part: [{ name: 'event-number', valueUnsignedInt: 8 }] },
  ],
};

const subscriptionStatus: ResourceJson = {
  resourceType: 'SubscriptionStatus',
  status: 'active',
  type: 'event-notification',
  eventsSinceSubscriptionStart: '8',
  notificationEvent: [
    {
      eventNumber: '7',
      timestamp: '2025-03-11T09:42:17.350+01:00',
      focus: { reference: `${BASE}/MedicationRequest/ma1` },
    },
    { eventNumber: 8 },
  ],
  subscription: { reference: `${BASE}/Subscription/sub1` },
  topic: 'https://sdm-bridge.org/fhir/SubscriptionTopic/key-moments',
};

const SD = 'https://sdm-bridge.org/fhir/StructureDefinition/subscription-status';
const basic: ResourceJson = {
  resourceType: 'Basic',
  code: { text: 'subscription status' },
  extension: [
    { url: `${SD}-subscription`, valueReference: { reference: 'Subscription/sub1' } },
    { url: `${SD}-topic`, valueUri: 'https://sdm-bridge.org/fhir/SubscriptionTopic/key-moments' },
    { url: `${SD}-status`, valueCode: 'active' },
    { url: `${SD}-type`, valueCode: 'event-notification' },
    { url: `${SD}-events-since-subscription-start`, valueInteger: 8 },
    {
      url: `${SD}-notification-event`,
      extension: [
        { url: 'event-number', valueString: '7' },
        { url: 'timestamp', valueInstant: '2025-03-11T09:42:17.350+01:00' },
        { url: 'focus', valueReference: { reference: 'MedicationRequest/ma1' } },
      ],
    },
    { url: `${SD}-notification-event`, extension: [{ url: 'event-number', valueDecimal: 8 }] },
  ],
};

const expected: SubscriptionStatusInfo = {
  subscription: 'Subscription/sub1',
  topic: 'https://sdm-bridge.org/fhir/SubscriptionTopic/key-moments',
  status: 'active',
  type: 'event-notification',
  eventsSinceSubscriptionStart: 8,
  notificationEvents: [
    {
      eventNumber: 7,
      timestamp: '2025-03-11T09:42:17.350+01:00',
      focus: { resourceType: 'MedicationRequest', id: 'ma1', reference: 'MedicationRequest/ma1' },
    },
    { eventNumber: 8 },
  ],
};

function read(resource: ResourceJson): { info: SubscriptionStatusInfo | undefined; problems: Problem[] } {
  const problems: Problem[] = [];
  return { info: readSubscriptionStatus(resource, PATH, problems), problems };
}

describe('readSubscriptionStatus', () => {
  it.each([
    ['an R4 Parameters (Backport IG)', parameters],
    ['an R4B/R5 SubscriptionStatus', subscriptionStatus],
    ['a Basic with extensions', basic],
  ])('reads %s', (_case, resource) => {
    expect(read(resource)).toEqual({ info: expected, problems: [] });
  });

  it.each(['handshake', 'heartbeat', 'query-status', 'query-event'])('accepts type %s', (type) => {
    expect(read({ resourceType: 'SubscriptionStatus', type }).info?.type).toBe(type);
  });

  it('keeps a subscription that is not a Type/id reference as sent', () => {
    const resource = {
      resourceType: 'SubscriptionStatus',
      type: 'heartbeat',
      subscription: { reference: 'urn:uuid:1234' },
    };
    expect(read(resource).info?.subscription).toBe('urn:uuid:1234');
  });

  it.each([
    [
      'a resource that is no status',
      { resourceType: 'Patient', id: 'p1' },
      [{ code: 'structure', expression: `${PATH}.resourceType` }],
    ],
    [
      'a missing type',
      { resourceType: 'Parameters', parameter: [] },
      [{ code: 'required', expression: `${PATH}.type` }],
    ],
    [
      'an unknown type',
      { resourceType: 'Parameters', parameter: [{ name: 'type', valueCode: 'event' }] },
      [{ code: 'value', expression: `${PATH}.parameter[0]` }],
    ],
    [
      'a bad event number, a bad focus and a bad count at once',
      {
        resourceType: 'SubscriptionStatus',
        type: 'event-notification',
        eventsSinceSubscriptionStart: '-1',
        notificationEvent: [{ eventNumber: 'two', focus: { reference: 'urn:uuid:abc' } }],
      },
      [
        { code: 'value', expression: `${PATH}.eventsSinceSubscriptionStart` },
        { code: 'value', expression: `${PATH}.notificationEvent[0].eventNumber` },
        { code: 'value', expression: `${PATH}.notificationEvent[0].focus` },
      ],
    ],
  ])('reports %s', (_case, resource, problems) => {
    expect(read(resource as ResourceJson).problems).toEqual(problems.map((p) => expect.objectContaining(p)));
  });
});
