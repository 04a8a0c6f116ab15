import { readFileSync } from 'node:fs';
import type { Patient, PatientContact } from '@medplum/fhirtypes';
import { expectAllowedReferenceTargets } from '../../test/helpers/reference-targets.js';
import type { InvitationJobData } from '../queue/job-types.js';
import { findContactChannel } from '../rules/contact-channel.js';
import type { DecisionAid } from '../rules/types.js';
import { assertValidResource } from '../shared/fhir-definitions.js';
import { buildInvitationTask } from './build-invitation-task.js';
import { contactHold } from './contact-hold.js';
import { CONTACT_ONLY_NOTE, CONTAINED_REPRESENTATIVE_ID, containedRepresentative } from './contact-recipient.js';

/** The contact of the public zib2020 example patient (Nictiz/Nictiz-R4-zib2020, nl-core-Patient-01), as shipped. */
const exampleContact = (
  JSON.parse(
    readFileSync(new URL('../../test/fixtures/real/nl-core-Patient-01.json', import.meta.url), 'utf8'),
  ) as Patient
).contact![0]!;
const asRepresentative: PatientContact = {
  ...exampleContact,
  relationship: [
    {
      coding: [
        { system: 'urn:oid:2.16.840.1.113883.2.4.3.11.22.472', code: '24', display: 'Wettelijke vertegenwoordiger' },
      ],
    },
  ],
};

const NOW = '2025-03-01T10:00:00.000Z';
const aid: DecisionAid = {
  id: 'astma-kind',
  title: 'Keuzehulp astma',
  activityDefinition: 'https://keuzehulp.example.org/fhir/ActivityDefinition/astma-kind|2.1',
  koppeltaal: false,
  delivery: {
    type: 'http-api',
    url: 'https://keuzehulp.example.org/api',
    auth: { type: 'none' },
    bodyTemplate: {},
    linkField: 'url',
    timeoutMs: 5000,
  },
};
const job: InvitationJobData = {
  invitationId: 'inv-0001',
  eventKey: 'hix|MedicationRequest/mr-1/_history/3',
  source: 'hix',
  triggerId: 'astma-medicatiewijziging',
  keyMoment: 'medication-change',
  decisionAidId: aid.id,
  patient: 'Patient/kind-1',
  recipient: { role: 'guardian', reference: 'Patient/kind-1', contact: 'contact-0123456789abcdef01234567' },
  focus: 'MedicationRequest/mr-1/_history/3',
  occurredAt: '2025-03-01T09:00:00Z',
};

describe('containedRepresentative', () => {
  it('carries the patient, relationship, name, telecom and address of the example contact', () => {
    const person = containedRepresentative('Patient/kind-1', asRepresentative);
    expect(person).toMatchObject({
      resourceType: 'RelatedPerson',
      id: CONTAINED_REPRESENTATIVE_ID,
      patient: { reference: 'Patient/kind-1', type: 'Patient' },
      relationship: asRepresentative.relationship,
      name: [exampleContact.name],
      telecom: exampleContact.telecom,
      address: [exampleContact.address],
    });
    expect(() => assertValidResource(person)).not.toThrow();
  });

  it('its telecom is the channel: the example has an e-mail address and a mobile number', () => {
    const person = containedRepresentative('Patient/kind-1', asRepresentative);
    expect(findContactChannel('http-api', person, NOW)).toEqual({ usable: true, system: 'email' });
    const unreachable = containedRepresentative('Patient/kind-1', { ...asRepresentative, telecom: [] });
    expect(findContactChannel('signed-link', unreachable, NOW)).toMatchObject({
      usable: false,
      missing: 'contact-point',
    });
  });
});

describe('buildInvitationTask for a parent known only as a Patient.contact', () => {
  const person = containedRepresentative(job.patient, asRepresentative);

  it.each([
    ['requested', undefined, undefined],
    ['ready', { link: 'https://keuzehulp.example.org/start/abc' }, undefined],
    ['on-hold', undefined, contactHold('signed-link', { usable: false, reason: 'x', missing: 'contact-point' })],
  ] as const)(
    '%s: contains the person, owned by it, valid and with allowed reference targets',
    (status, invitation, hold) => {
      const task = buildInvitationTask(job, aid, invitation, NOW, hold, person);
      expect(task.status).toBe(status);
      expect(task.contained).toEqual([person]);
      expect(task.owner).toEqual({ reference: `#${CONTAINED_REPRESENTATIVE_ID}`, type: 'RelatedPerson' });
      expect(task.for).toEqual({ reference: 'Patient/kind-1', type: 'Patient' });
      expect(task.note).toEqual([{ text: CONTACT_ONLY_NOTE }]);
      expect(task.text?.div).toContain('alleen bekend als contactpersoon bij de pati');
      expect(() => assertValidResource(task)).not.toThrow();
      expect(() => expectAllowedReferenceTargets([task])).not.toThrow();
    },
  );

  it('says nothing of a contact for a RelatedPerson recipient', () => {
    const task = buildInvitationTask(
      { ...job, recipient: { role: 'guardian', reference: 'RelatedPerson/rp-1' } },
      aid,
      undefined,
      NOW,
    );
    expect(task.contained).toBeUndefined();
    expect(task.note).toBeUndefined();
    expect(task.owner).toEqual({ reference: 'RelatedPerson/rp-1', type: 'RelatedPerson' });
  });
});
