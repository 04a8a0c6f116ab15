import type { ContactPoint, RelatedPerson } from '@medplum/fhirtypes';
import { findContactChannel, type DeliveryType } from './contact-channel.js';

const DAY = '2024-05-01T10:00:00+02:00';

function parent(telecom: ContactPoint[], extra: Partial<RelatedPerson> = {}): RelatedPerson {
  return { resourceType: 'RelatedPerson', id: 'moeder', patient: { reference: 'Patient/kind-1' }, telecom, ...extra };
}

const email: ContactPoint = { system: 'email', value: 'ouder@example.org' };
const mobile: ContactPoint = { system: 'phone', value: '+31600000000', use: 'mobile' };
const landline: ContactPoint = { system: 'phone', value: '+31300000000', use: 'home' };
const sms: ContactPoint = { system: 'sms', value: '+31600000000' };
/** A zib2020 telecom (nl-core-ContactInformation-TelephoneNumbers): the kind of number in an extension on `system`. */
const zibNumber = (code: string): ContactPoint =>
  ({
    system: 'phone',
    _system: {
      extension: [
        {
          url: 'http://nictiz.nl/fhir/StructureDefinition/ext-CodeSpecification',
          valueCodeableConcept: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-AddressUse', code }] },
        },
      ],
    },
    value: '+31611234567',
  }) as ContactPoint;

describe('findContactChannel', () => {
  it.each<[string, DeliveryType, ContactPoint[], string | undefined]>([
    ['http-api: e-mail', 'http-api', [email], 'email'],
    ['http-api: a home landline will do (the portal shows the link)', 'http-api', [landline], 'phone'],
    ['http-api: sms preferred over e-mail', 'http-api', [email, sms], 'sms'],
    ['http-api: nothing', 'http-api', [], undefined],
    ['http-api: a fax only', 'http-api', [{ system: 'fax', value: '+31300000001' }], undefined],
    ['signed-link: a mobile number', 'signed-link', [mobile], 'phone'],
    ['signed-link: e-mail', 'signed-link', [landline, email], 'email'],
    ['signed-link: a home landline cannot carry a link', 'signed-link', [landline], undefined],
    ['signed-link: a zib2020 mobile number (TelecomType MC on system)', 'signed-link', [zibNumber('MC')], 'phone'],
    ['signed-link: a zib2020 landline (TelecomType LL)', 'signed-link', [zibNumber('LL')], undefined],
    ['an old address does not count', 'http-api', [{ ...email, use: 'old' }], undefined],
    ['an empty value does not count', 'http-api', [{ system: 'email', value: ' ' }], undefined],
    ['a number that ended before the day', 'http-api', [{ ...mobile, period: { end: '2024-04-30' } }], undefined],
    ['a number valid on the day', 'http-api', [{ ...mobile, period: { start: '2024-01-01' } }], 'phone'],
  ])('%s', (_name, delivery, telecom, system) => {
    const found = findContactChannel(delivery, parent(telecom), DAY);
    expect(found.usable ? found.system : undefined).toBe(system);
  });

  it('names the recipient by reference and what is missing, never the contact data', () => {
    expect(findContactChannel('signed-link', parent([landline]), DAY)).toEqual({
      usable: false,
      reason:
        'RelatedPerson/moeder has no e-mail address or mobile number in the EPD (needed for signed-link delivery)',
      missing: 'contact-point',
    });
  });

  it('gives an inactive record no channel', () => {
    expect(findContactChannel('http-api', parent([email], { active: false }), DAY)).toEqual({
      usable: false,
      reason: 'RelatedPerson/moeder is inactive in the EPD',
      missing: 'active-record',
    });
  });
});
