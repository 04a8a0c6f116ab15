import type { Bundle, Resource } from '@medplum/fhirtypes';
import { FHIR_SYSTEMS } from '../src/sandbox/fhir-systems.js';
import { medicationAgreement } from '../src/sandbox/seed-patients.js';

/** Where the bench's EPD says its resources live (the notification's fullUrls). */
const EPD_BASE = 'https://epd.example.org/fhir';

/**
 * A FHIR Subscriptions Backport notification (`history` Bundle) with the full resource, as HiX's
 * rest-hook sends one per change: a SubscriptionStatus Parameters entry and the resource itself.
 */
export function fullResourceNotification(
  resource: Resource & { id: string },
  eventNumber: number | string,
  timestamp: string,
): Bundle {
  const reference = `${resource.resourceType}/${resource.id}`;
  return {
    resourceType: 'Bundle',
    id: `notification-${eventNumber}`,
    meta: {
      profile: [
        'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription-notification-r4',
      ],
    },
    type: 'history',
    timestamp,
    entry: [
      {
        fullUrl: `urn:uuid:00000000-0000-4000-8000-${String(eventNumber).padStart(12, '0')}`,
        resource: {
          resourceType: 'Parameters',
          meta: {
            profile: [
              'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription-status-r4',
            ],
          },
          parameter: [
            { name: 'subscription', valueReference: { reference: `${EPD_BASE}/Subscription/sdm-bridge-hix` } },
            { name: 'topic', valueCanonical: 'https://sdm-bridge.org/fhir/SubscriptionTopic/key-moments' },
            { name: 'status', valueCode: 'active' },
            { name: 'type', valueCode: 'event-notification' },
            { name: 'events-since-subscription-start', valueString: String(eventNumber) },
            {
              name: 'notification-event',
              part: [
                { name: 'event-number', valueString: String(eventNumber) },
                { name: 'timestamp', valueInstant: timestamp },
                { name: 'focus', valueReference: { reference: `${EPD_BASE}/${reference}` } },
              ],
            },
          ],
        },
        request: { method: 'GET', url: `${EPD_BASE}/Subscription/sdm-bridge-hix/$status` },
        response: { status: '200' },
      },
      {
        fullUrl: `${EPD_BASE}/${reference}`,
        resource,
        request: {
          method: resource.meta?.versionId === '1' ? 'POST' : 'PUT',
          url: resource.meta?.versionId === '1' ? resource.resourceType : reference,
        },
        response: { status: resource.meta?.versionId === '1' ? '201' : '200' },
      },
    ],
  };
}

/** Stands for the request number in the body template; replaced by a number per request. */
const N = '__N__';

/**
 * Bodies for the load generator: a full-resource notification of a medication agreement whose id,
 * version, identifier and event number differ per request, so every request is a new event (no
 * duplicate the intake could skip) at the cost of one string join.
 */
export function notificationBodies(): (n: number) => string {
  const resource = {
    ...medicationAgreement('Patient/bench-1', {
      atc: 'R03BA05',
      prk: '55727',
      identifier: `MA-${N}`,
      authoredOn: '2025-06-02T09:40:00+02:00',
    }),
    id: `bench-ma-${N}`,
    meta: {
      versionId: `${N}`,
      lastUpdated: '2025-06-02T09:42:17.000+02:00',
      profile: ['http://nictiz.nl/fhir/StructureDefinition/mp-MedicationAgreement'],
    },
  };
  resource.identifier = [{ system: FHIR_SYSTEMS.sandboxMedicationAgreement, value: `MA-${N}` }];
  const parts = JSON.stringify(fullResourceNotification(resource, N, '2025-06-02T09:42:18.002+02:00')).split(N);
  return (n) => parts.join(String(n + 1));
}
