import { createHmac } from 'node:crypto';
import type { Patient, PatientContact } from '@medplum/fhirtypes';
import { coversDay } from './covers-day.js';
import { hasRepresentativeCode, type RepresentativeCodes } from './select-guardians.js';

/** A `Patient.contact` that counts as a parent or legal representative, with what makes it one and the same. */
export interface ContactRepresentative {
  contact: PatientContact;
  /** Relationship codes and name (or, without a name, the contact points): stable while the EPD keeps them. */
  naturalKey: string;
}

/**
 * The patient's `contact` entries that are representatives on this day: a relationship code in
 * `codes` (the same list as for RelatedPersons) and a period (if any) covering the day. Why a
 * fallback only: a Patient.contact has no id, so it cannot be referenced or searched; a
 * RelatedPerson is the better record and is preferred whenever one qualifies (see evaluate-rules.ts).
 * Two entries with the same key (the same person entered twice) are one representative.
 */
export function selectContactRepresentatives(
  patient: Patient,
  onDate: string,
  codes: RepresentativeCodes,
): ContactRepresentative[] {
  const day = onDate.slice(0, 10);
  const found = new Map<string, ContactRepresentative>();
  for (const contact of patient.contact ?? []) {
    if (!coversDay(contact.period, day) || !hasRepresentativeCode(contact.relationship, codes)) continue;
    const naturalKey = contactNaturalKey(contact);
    if (!found.has(naturalKey)) found.set(naturalKey, { contact, naturalKey });
  }
  return [...found.values()];
}

/**
 * What identifies a contact across changes of the record: its relationship codes and its name,
 * normalised (order of codes, case and spacing do not count). Why not its place in the array: the
 * EPD may add or reorder contacts between a change and its poll. Without a name, the contact points.
 */
export function contactNaturalKey(contact: PatientContact): string {
  const relationship = (contact.relationship ?? [])
    .flatMap((concept) => (concept.coding ?? []).map((c) => `${c.system ?? ''}|${c.code ?? ''}`))
    .sort()
    .join(',');
  const name = contact.name;
  const spelled = name?.text ?? [...(name?.given ?? []), name?.family ?? ''].join(' ');
  const who =
    normalise(spelled) ||
    (contact.telecom ?? [])
      .map((t) => normalise(t.value ?? ''))
      .sort()
      .join(',');
  return `${relationship}#${who}`;
}

function normalise(text: string): string {
  return text.toLowerCase().replace(/\s+/g, ' ').trim();
}

/** Hex characters kept of the contact key: 96 bits, unique among one patient's contacts by far. */
const CONTACT_KEY_HEX_LENGTH = 24;

/**
 * The key under which a contact representative travels in job data and invitation ids: a keyed
 * HMAC of the patient and the natural key, so no name is in Redis in clear and nobody without the
 * secret can tell whose contact it is. The invitations job finds the contact again by this key.
 */
export function contactKeyFor(secret: string, patientReference: string, naturalKey: string): string {
  if (!secret) throw new Error('contact key secret is empty');
  const digest = createHmac('sha256', secret).update(`contact|${patientReference}|${naturalKey}`, 'utf8').digest('hex');
  return `contact-${digest.slice(0, CONTACT_KEY_HEX_LENGTH)}`;
}

/**
 * The contact of `patient` whose key is `contactKey`, if it is still there and its period covers the
 * day. Why no second look at the codes: they are part of the key, so a contact whose relationship
 * changed is another contact, and is not found.
 */
export function findContactByKey(
  patient: Patient & { id?: string },
  contactKey: string,
  secret: string,
  onDate: string,
): PatientContact | undefined {
  const reference = `Patient/${patient.id ?? ''}`;
  const day = onDate.slice(0, 10);
  return (patient.contact ?? []).find(
    (contact) =>
      coversDay(contact.period, day) && contactKeyFor(secret, reference, contactNaturalKey(contact)) === contactKey,
  );
}
