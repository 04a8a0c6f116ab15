import type { InvitationJobData } from '../queue/job-types.js';
import type { DecisionAid, DeliveryConfig } from '../rules/types.js';
import { assertValidResource } from '../shared/fhir-definitions.js';
import { expectAllowedReferenceTargets } from '../../test/helpers/reference-targets.js';
import { buildInvitationTask, invitationTaskQuery } from './build-invitation-task.js';
import {
  INVITATION_ID_SYSTEM,
  KEY_MOMENT_SYSTEM,
  KOPPELTAAL_INSTANTIATES_URL,
  TASK_CODE_SYSTEM,
  TASK_INPUT_TYPE_SYSTEM,
} from './invitation-task-codes.js';

const NOW = '2025-03-01T10:00:00.000Z';
const LINK = 'https://keuzehulp.example.org/start/abc';
const CANONICAL = 'https://keuzehulp.example.org/fhir/ActivityDefinition/reumatoide-artritis';

const httpApi: DeliveryConfig = {
  type: 'http-api',
  url: 'https://keuzehulp.example.org/api/invitations',
  auth: { type: 'none' },
  bodyTemplate: {},
  linkField: 'url',
  timeoutMs: 5000,
};
const signedLink: DeliveryConfig = {
  type: 'signed-link',
  baseUrl: 'https://keuzehulp.example.org/s',
  secret: 's',
  validForMs: 1000,
};

function aidWith(delivery: DeliveryConfig, koppeltaal: boolean): DecisionAid {
  return {
    id: 'ra',
    title: 'Keuzehulp reumatoïde artritis <medicatie>',
    activityDefinition: `${CANONICAL}|1.2`,
    koppeltaal,
    delivery,
  };
}

function jobFor(
  role: 'patient' | 'guardian',
  focus: string,
  keyMoment: InvitationJobData['keyMoment'],
): InvitationJobData {
  return {
    invitationId: 'inv-0001',
    eventKey: 'hix|MedicationRequest/mr-1/_history/3',
    source: 'hix',
    triggerId: 'ra-medication-change',
    keyMoment,
    decisionAidId: 'ra',
    patient: 'Patient/pat-1',
    recipient: { role, reference: role === 'patient' ? 'Patient/pat-1' : 'RelatedPerson/rp-1' },
    focus,
    occurredAt: '2025-03-01T09:00:00Z',
  };
}

describe('buildInvitationTask', () => {
  it.each<[string, 'patient' | 'guardian', string, InvitationJobData['keyMoment'], DeliveryConfig, boolean]>([
    [
      'patient, medication change, http api',
      'patient',
      'MedicationRequest/mr-1/_history/3',
      'medication-change',
      httpApi,
      false,
    ],
    [
      'guardian, medication change, koppeltaal',
      'guardian',
      'MedicationRequest/mr-1/_history/3',
      'medication-change',
      httpApi,
      true,
    ],
    ['patient, treatment choice, signed link', 'patient', 'Condition/c-1', 'treatment-choice', signedLink, false],
    [
      'guardian, evaluation, signed link, koppeltaal',
      'guardian',
      'Procedure/p-1/_history/1',
      'evaluation',
      signedLink,
      true,
    ],
    ['patient, care plan', 'patient', 'CarePlan/cp-1', 'treatment-choice', httpApi, true],
  ])('builds a valid Task for %s', (_name, role, focus, keyMoment, delivery, koppeltaal) => {
    const job = jobFor(role, focus, keyMoment);
    const task = buildInvitationTask(
      job,
      aidWith(delivery, koppeltaal),
      { link: LINK, expiresAt: '2025-03-08T10:00:00.000Z' },
      NOW,
    );
    expect(() => assertValidResource(task)).not.toThrow();
    expect(task).toMatchObject({
      status: 'ready',
      intent: 'order',
      for: { reference: 'Patient/pat-1' },
      owner: { reference: job.recipient.reference, type: role === 'patient' ? 'Patient' : 'RelatedPerson' },
      focus: { reference: focus },
      identifier: [{ system: INVITATION_ID_SYSTEM, value: 'inv-0001' }],
      instantiatesCanonical: `${CANONICAL}|1.2`,
      authoredOn: NOW,
      lastModified: NOW,
      restriction: { period: { end: '2025-03-08T10:00:00.000Z' } },
      code: { coding: [{ system: TASK_CODE_SYSTEM, code: 'decision-aid-invitation' }] },
      reasonCode: { coding: [{ system: KEY_MOMENT_SYSTEM, code: keyMoment }] },
    });
    expect(task.input?.[0]).toEqual({
      type: { coding: [{ system: TASK_INPUT_TYPE_SYSTEM, code: 'invitation-link', display: expect.any(String) }] },
      valueUrl: LINK,
    });
    expect(task.input?.[1]?.valueCoding?.code).toBe(role);
  });

  it.each([
    ['medication-change', 'medicatiewijziging'],
    ['treatment-choice', 'behandelkeuze'],
    ['evaluation', 'evaluatie'],
  ] as const)('names the moment %s in Dutch', (keyMoment, dutch) => {
    const task = buildInvitationTask(
      jobFor('patient', 'Condition/c-1', keyMoment),
      aidWith(httpApi, false),
      { link: LINK },
      NOW,
    );
    expect(task.reasonCode?.coding?.[0]?.display).toBe(dutch);
    expect(task.description).toContain(dutch);
    expect(task.description).toContain('Keuzehulp reumatoïde artritis');
    expect(task.text?.div).toContain(dutch);
  });

  it.each<[string, string, string | undefined]>([
    ['a versioned MedicationRequest', 'MedicationRequest/mr-1/_history/3', 'MedicationRequest/mr-1'],
    ['a ServiceRequest', 'ServiceRequest/sr-1', 'ServiceRequest/sr-1'],
    ['a CarePlan', 'CarePlan/cp-1/_history/2', 'CarePlan/cp-1'],
    ['a Condition', 'Condition/c-1', undefined],
    ['an Observation', 'Observation/o-1/_history/1', undefined],
  ])('sets basedOn only for a request: %s', (_name, focus, basedOn) => {
    const task = buildInvitationTask(
      jobFor('patient', focus, 'evaluation'),
      aidWith(httpApi, false),
      { link: LINK },
      NOW,
    );
    expect(task.focus?.reference).toBe(focus);
    expect(task.basedOn?.[0]?.reference).toBe(basedOn);
  });

  it.each([true, false])('adds the Koppeltaal instantiates extension only when koppeltaal is %s', (koppeltaal) => {
    const task = buildInvitationTask(
      jobFor('patient', 'Condition/c-1', 'evaluation'),
      aidWith(httpApi, koppeltaal),
      { link: LINK },
      NOW,
    );
    const extension = task.extension?.find((e) => e.url === KOPPELTAAL_INSTANTIATES_URL);
    if (koppeltaal) {
      expect(extension?.valueReference).toMatchObject({ reference: CANONICAL, type: 'ActivityDefinition' });
    } else {
      expect(extension).toBeUndefined();
    }
  });

  it('leaves restriction out when the expiry is unknown, and escapes the narrative', () => {
    const task = buildInvitationTask(
      jobFor('guardian', 'Condition/c-1', 'evaluation'),
      aidWith(httpApi, false),
      { link: LINK },
      NOW,
    );
    expect(task.restriction).toBeUndefined();
    expect(task.text?.status).toBe('generated');
    expect(task.text?.div).toMatch(/^<div xmlns="http:\/\/www\.w3\.org\/1999\/xhtml">/);
    expect(task.text?.div).toContain('&#60;medicatie&#62;');
    expect(task.text?.div).not.toContain('<medicatie>');
    expect(task.description).toContain('ouder of voogd');
    expect(() => assertValidResource(task)).not.toThrow();
  });
});

describe('buildInvitationTask: reference targets', () => {
  it.each([
    ['MedicationRequest/mr-1/_history/3', 'patient'],
    ['CarePlan/cp-1', 'guardian'],
    ['Encounter/enc-1', 'guardian'],
  ] as const)('points only at types R4 allows (focus %s, %s)', (focus, role) => {
    const task = buildInvitationTask(jobFor(role, focus, 'evaluation'), aidWith(httpApi, true), { link: LINK }, NOW);
    expect(() => expectAllowedReferenceTargets([task])).not.toThrow();
  });
});

describe('invitationTaskQuery', () => {
  it.each([
    ['inv-0001', `identifier=${INVITATION_ID_SYSTEM}|inv-0001`],
    ['a b&c', `identifier=${INVITATION_ID_SYSTEM}|a%20b%26c`],
  ])('searches for %s', (id, expected) => {
    expect(invitationTaskQuery(id)).toBe(expected);
  });
});
