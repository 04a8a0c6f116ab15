import type { ContactPoint, Extension, Patient, RelatedPerson } from '@medplum/fhirtypes';
import { coversDay } from './covers-day.js';
import type { DeliveryConfig } from './types.js';

/** How an invitation reaches a decision aid's platform. */
export type DeliveryType = DeliveryConfig['type'];

/** A usable channel (its ContactPoint system), or the reason there is none, without the contact data itself. */
export type ContactChannel =
  | { usable: true; system: NonNullable<ContactPoint['system']> }
  | { usable: false; reason: string; missing: 'active-record' | 'contact-point' };

/**
 * What counts as a usable contact channel, per delivery type. In both deliveries the link is
 * recorded on the Task and shown through the EPD and its patient portal; what differs is what the
 * recipient must be reachable by to learn of it:
 * - `http-api`: the platform keeps the invitation and the portal shows it; the recipient is told it
 *   is waiting by e-mail, text message or a phone call, so any e-mail, sms or phone number will do.
 * - `signed-link`: the link itself must reach a device of the recipient (the tool has no account to
 *   show it in), so e-mail, sms or a phone number marked `mobile`; a home landline cannot carry a link.
 */
const CHANNELS: Record<DeliveryType, { accepts: (point: ContactPoint) => boolean; wanted: string }> = {
  'http-api': {
    accepts: (point) => point.system === 'email' || point.system === 'sms' || point.system === 'phone',
    wanted: 'e-mail address or phone number',
  },
  'signed-link': {
    accepts: (point) =>
      point.system === 'email' || point.system === 'sms' || (point.system === 'phone' && isMobile(point)),
    wanted: 'e-mail address or mobile number',
  },
};

/** zib2020's way to say what kind of number a telecom is: an extension on `system` (ext-CodeSpecification). */
const CODE_SPECIFICATION = 'http://nictiz.nl/fhir/StructureDefinition/ext-CodeSpecification';
/** zib TelecomType "MC" (mobile), from HL7 v3 AddressUse. */
const MOBILE_CODE = { system: 'http://terminology.hl7.org/CodeSystem/v3-AddressUse', code: 'MC' };

/**
 * A phone number that can receive a text message: `use: mobile` (plain R4), or as zib2020 records
 * it, the TelecomType MC in the ext-CodeSpecification extension on `system` (nl-core profiles;
 * a zib EPD leaves `use` for home/work).
 */
function isMobile(point: ContactPoint): boolean {
  if (point.use === 'mobile') return true;
  const specification = (point as { _system?: { extension?: Extension[] } })._system?.extension ?? [];
  return specification.some(
    (extension) =>
      extension.url === CODE_SPECIFICATION &&
      extension.valueCodeableConcept?.coding?.some(
        (coding) => coding.system === MOBILE_CODE.system && coding.code === MOBILE_CODE.code,
      ),
  );
}

/** Preference when several channels are usable: the one most likely read soon. */
const SYSTEM_ORDER = ['sms', 'email', 'phone'] as const;

/**
 * Whether the recipient (`Patient` or `RelatedPerson`) can be reached for this delivery on `onDate`
 * (a date or dateTime). A ContactPoint counts when it has a value, is not marked `old`, its period
 * (if any) covers the day, and its system suits the delivery. An inactive record has no channel.
 */
export function findContactChannel(
  deliveryType: DeliveryType,
  recipient: Patient | RelatedPerson,
  onDate: string,
): ContactChannel {
  const who = `${recipient.resourceType}/${recipient.id ?? '?'}`;
  if (recipient.active === false)
    return { usable: false, reason: `${who} is inactive in the EPD`, missing: 'active-record' };
  const channel = CHANNELS[deliveryType];
  const day = onDate.slice(0, 10);
  const usable = (recipient.telecom ?? []).filter(
    (point) =>
      Boolean(point.value?.trim()) && point.use !== 'old' && coversDay(point.period, day) && channel.accepts(point),
  );
  const best = SYSTEM_ORDER.find((system) => usable.some((point) => point.system === system));
  if (best) return { usable: true, system: best };
  return {
    usable: false,
    reason: `${who} has no ${channel.wanted} in the EPD (needed for ${deliveryType} delivery)`,
    missing: 'contact-point',
  };
}
