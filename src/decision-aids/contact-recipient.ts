import type { Patient, PatientContact, RelatedPerson } from '@medplum/fhirtypes';
import type { EpdClient } from '../epd/epd-client.js';
import { EpdError } from '../epd/epd-error.js';
import type { InvitationJobData } from '../queue/job-types.js';
import { findContactChannel, type ContactChannel, type DeliveryType } from '../rules/contact-channel.js';
import { findContactByKey } from '../rules/contact-representatives.js';
import { checkRecipientContact } from './contact-hold.js';

/** The id of the RelatedPerson a Task contains for a parent known only as a `Patient.contact`. */
export const CONTAINED_REPRESENTATIVE_ID = 'vertegenwoordiger';

/** Dutch, for the care team: where the recipient came from and what would be better. */
export const CONTACT_ONLY_NOTE =
  'De ontvanger is alleen bekend als contactpersoon bij de patiënt (Patient.contact), niet als eigen ' +
  'contactpersoon in het dossier. Leg deze ouder of wettelijk vertegenwoordiger vast als contactpersoon ' +
  '(RelatedPerson), zodat het dossier naar hem of haar kan verwijzen.';

/** The recipient as the invitation job needs it: its channel, and for a Patient.contact the person to contain. */
export interface ResolvedRecipient {
  channel: ContactChannel;
  /** Set for a `Patient.contact` recipient: the RelatedPerson the Task contains and names as owner. */
  contained?: RelatedPerson;
}

/**
 * Reads the recipient and its channel for this delivery on `onDate`. A `Patient.contact` recipient
 * is found again in the patient's current record by its keyed hash (`job.recipient.contact`): one
 * removed, renamed or given another relationship since the change is no longer there, and the
 * invitation goes on hold like one whose RelatedPerson was removed.
 */
export async function resolveRecipient(
  epd: EpdClient,
  job: InvitationJobData,
  contactKeySecret: string,
  deliveryType: DeliveryType,
  onDate: string,
): Promise<ResolvedRecipient> {
  const key = job.recipient.contact;
  if (key === undefined)
    return { channel: await checkRecipientContact(epd, job.recipient.reference, deliveryType, onDate) };
  const patient = await readPatient(epd, job.patient);
  const contact = patient && findContactByKey(patient, key, contactKeySecret, onDate);
  if (!contact) {
    return {
      channel: { usable: false, reason: 'the contact is no longer in Patient.contact', missing: 'active-record' },
    };
  }
  const contained = containedRepresentative(job.patient, contact);
  return { channel: findContactChannel(deliveryType, contained, onDate), contained };
}

/** The patient, or undefined when it is gone from the EPD (404/410); other failures are thrown so the job retries. */
async function readPatient(epd: EpdClient, reference: string): Promise<Patient | undefined> {
  try {
    return await epd.read<Patient>(reference);
  } catch (err) {
    if (err instanceof EpdError && (err.status === 404 || err.status === 410)) return undefined;
    throw err;
  }
}

/**
 * The RelatedPerson a Task contains for a `Patient.contact`: patient, relationship, name, telecom
 * and the other person fields the contact has. Why contained and not created in the record: the
 * service writes no new person into the patient's record on its own; the care team decides that.
 */
export function containedRepresentative(patient: string, contact: PatientContact): RelatedPerson {
  return {
    resourceType: 'RelatedPerson',
    id: CONTAINED_REPRESENTATIVE_ID,
    patient: { reference: patient, type: 'Patient' },
    ...(contact.relationship ? { relationship: contact.relationship } : {}),
    ...(contact.name ? { name: [contact.name] } : {}),
    ...(contact.telecom ? { telecom: contact.telecom } : {}),
    ...(contact.address ? { address: [contact.address] } : {}),
    ...(contact.gender ? { gender: contact.gender } : {}),
    ...(contact.period ? { period: contact.period } : {}),
  };
}
