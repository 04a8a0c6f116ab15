import type { Bundle, Resource } from '@medplum/fhirtypes';

/** The subscription the polling tests' notifications come from. */
export const TEST_SUBSCRIPTION = 'Subscription/sdm-bridge-gaps';

/**
 * A Subscriptions Backport IG notification (R4 `Parameters` status) of kind `type`, with an id-only
 * event per `{ number, focus }`, and `count` as events-since-subscription-start.
 */
export function backportNotification(options: {
  type?: 'event-notification' | 'heartbeat' | 'handshake';
  status?: string;
  count: number;
  events?: { number: number; focus?: string }[];
  subscription?: string;
}): Bundle {
  const events = options.events ?? [];
  const parameters = {
    resourceType: 'Parameters',
    parameter: [
      { name: 'subscription', valueReference: { reference: options.subscription ?? TEST_SUBSCRIPTION } },
      { name: 'topic', valueCanonical: 'https://sdm-bridge.org/fhir/SubscriptionTopic/key-moments' },
      { name: 'status', valueCode: options.status ?? 'active' },
      { name: 'type', valueCode: options.type ?? 'event-notification' },
      { name: 'events-since-subscription-start', valueString: String(options.count) },
      ...events.map((e) => ({
        name: 'notification-event',
        part: [
          { name: 'event-number', valueString: String(e.number) },
          { name: 'timestamp', valueInstant: new Date().toISOString() },
          ...(e.focus ? [{ name: 'focus', valueReference: { reference: e.focus } }] : []),
        ],
      })),
    ],
  };
  return {
    resourceType: 'Bundle',
    type: 'history',
    timestamp: new Date().toISOString(),
    entry: [
      {
        fullUrl: 'urn:uuid:6a1f2b3c-0000-4000-8000-000000000001',
        resource: parameters as Resource,
        request: { method: 'GET', url: `${options.subscription ?? TEST_SUBSCRIPTION}/$status` },
        response: { status: '200' },
      },
    ],
  };
}
