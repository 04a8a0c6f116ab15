import type { Consent, ConsentProvision, MedicationRequest, Patient, RelatedPerson } from '@medplum/fhirtypes';
import { compileMappings } from './compile-mappings.js';
import { evaluateRules } from './evaluate-rules.js';
import {
  CONSENT_PURPOSE_SYSTEM,
  createObjectionPolicy,
  DEFAULT_OBJECTION_POLICY,
  findObjection,
  parsePurposes,
  V3_ACT_REASON,
} from './objection-policy.js';
import type { RuleFacts } from './types.js';

const DAY = '2024-05-01T10:00:00+02:00';
const CONTACT = { system: CONSENT_PURPOSE_SYSTEM, code: 'decision-support-contact' };
const OUTCOMES = { system: V3_ACT_REASON, code: 'HOUTCOMS' };
const RESEARCH = { system: V3_ACT_REASON, code: 'HRESCH' };
const PRIVACY = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] };
const RESEARCH_SCOPE = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'research' }] };
const FLAG_URL = 'https://ziekenhuis.example.org/fhir/StructureDefinition/bezwaar-keuzehulp';

const patient = (extra: Partial<Patient> = {}): Patient & { id: string } => ({
  resourceType: 'Patient',
  id: 'kind-1',
  birthDate: '2010-01-01',
  ...extra,
});

function consent(provision: ConsentProvision | undefined, extra: Partial<Consent> = {}): Consent {
  return {
    resourceType: 'Consent',
    id: 'c-1',
    status: 'active',
    scope: PRIVACY,
    category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
    patient: { reference: 'Patient/kind-1' },
    policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTOUT' }] },
    ...(provision ? { provision } : {}),
    ...extra,
  };
}

const deny = (purpose = [CONTACT], extra: Partial<ConsentProvision> = {}): ConsentProvision => ({
  type: 'deny',
  purpose,
  ...extra,
});
const permit = (purpose = [CONTACT], extra: Partial<ConsentProvision> = {}): ConsentProvision => ({
  type: 'permit',
  purpose,
  ...extra,
});

describe('findObjection: Consents', () => {
  it.each<[string, Consent[], RegExp | undefined]>([
    ['no Consent', [], undefined],
    [
      'deny contact for decision support',
      [consent(deny())],
      /^patient objected: Consent\/c-1 denies https:\/\/sdm-bridge\.org\/fhir\/CodeSystem\/consent-purpose\|decision-support-contact$/,
    ],
    [
      'deny health outcome measurement (questionnaires)',
      [consent(deny([OUTCOMES]))],
      /denies http:\/\/terminology\.hl7\.org\/CodeSystem\/v3-ActReason\|HOUTCOMS$/,
    ],
    [
      'deny by the ActReason OID',
      [consent(deny([{ system: 'urn:oid:2.16.840.1.113883.5.8', code: 'HOUTCOMS' }]))],
      /denies .*HOUTCOMS$/,
    ],
    ['deny research only', [consent(deny([RESEARCH]))], undefined],
    ['permit contact', [consent(permit())], undefined],
    ['the denial is no longer active', [consent(deny(), { status: 'inactive' })], undefined],
    ['the denial is of another patient', [consent(deny(), { patient: { reference: 'Patient/kind-2' } })], undefined],
    ['the denial ended before the day', [consent(deny([CONTACT], { period: { end: '2024-04-30' } }))], undefined],
    ['the denial starts after the day', [consent(deny([CONTACT], { period: { start: '2024-05-02' } }))], undefined],
    [
      'the denial covers the day',
      [consent(deny([CONTACT], { period: { start: '2024-01-01', end: '2024-12-31' } }))],
      /denies/,
    ],
    [
      'permit all, with a nested denial of contact',
      [consent({ type: 'permit', provision: [deny()] })],
      /denies .*decision-support-contact$/,
    ],
    [
      'deny contact, with a nested exception that permits it',
      [consent({ ...deny(), provision: [permit()] })],
      undefined,
    ],
    [
      'a blanket denial in a privacy consent',
      [consent({ type: 'deny' })],
      /denies all purposes \(privacy consent without restrictions\)$/,
    ],
    ['a blanket denial in a research consent', [consent({ type: 'deny' }, { scope: RESEARCH_SCOPE })], undefined],
    [
      'a denial of some data only (not blanket)',
      [consent({ type: 'deny', class: [{ system: 'http://hl7.org/fhir/resource-types', code: 'Observation' }] })],
      undefined,
    ],
    [
      'a denial towards one party still counts',
      [
        consent(
          deny([CONTACT], { actor: [{ role: { text: 'ontvanger' }, reference: { reference: 'Organization/x' } }] }),
        ),
      ],
      /denies/,
    ],
    [
      'a permit and a denial in two Consents: the denial wins',
      [consent(permit()), consent(deny(), { id: 'c-2' })],
      /Consent\/c-2 denies/,
    ],
    ['a Consent without provisions', [consent(undefined)], undefined],
  ])('%s', (_name, consents, reason) => {
    const found = findObjection(DEFAULT_OBJECTION_POLICY, { patient: patient(), consents, occurredAt: DAY });
    if (reason) expect(found?.reason).toMatch(reason);
    else expect(found).toBeUndefined();
  });
});

describe('findObjection: a flag on the Patient', () => {
  const policy = createObjectionPolicy({ patientFlag: `extension.where(url = '${FLAG_URL}').valueBoolean = true` });
  it.each<[string, Partial<Patient>, boolean]>([
    ['flag set', { extension: [{ url: FLAG_URL, valueBoolean: true }] }, true],
    ['flag false', { extension: [{ url: FLAG_URL, valueBoolean: false }] }, false],
    ['no flag', {}, false],
    ['another extension', { extension: [{ url: 'https://example.org/other', valueBoolean: true }] }, false],
  ])('%s', (_name, extra, objected) => {
    const found = findObjection(policy, { patient: patient(extra), consents: [], occurredAt: DAY });
    expect(found ? found.reason : undefined).toBe(
      objected ? 'patient objected: the objection flag on the Patient is set' : undefined,
    );
  });

  it('refuses a flag expression that does not parse', () => {
    expect(() => createObjectionPolicy({ patientFlag: "extension.where(url = 'x'" })).toThrow(/never closed/);
  });

  it('uses only the configured purposes', () => {
    const researchOnly = createObjectionPolicy({ purposes: [RESEARCH] });
    expect(
      findObjection(researchOnly, { patient: patient(), consents: [consent(deny())], occurredAt: DAY }),
    ).toBeUndefined();
    expect(
      findObjection(researchOnly, { patient: patient(), consents: [consent(deny([RESEARCH]))], occurredAt: DAY }),
    ).toBeDefined();
  });
});

describe('parsePurposes', () => {
  it.each<[string, number, number]>([
    [`${V3_ACT_REASON}|HOUTCOMS`, 1, 0],
    [`${V3_ACT_REASON}|HOUTCOMS, ${CONSENT_PURPOSE_SYSTEM}|decision-support-contact`, 2, 0],
    ['HOUTCOMS', 0, 1],
    ['not a uri|X', 0, 1],
    ['a:b|c|d', 0, 1],
    ['', 0, 0],
  ])('%j → %i purposes, %i problems', (text, purposes, problems) => {
    const parsed = parsePurposes(text);
    expect([parsed.purposes.length, parsed.problems.length]).toEqual([purposes, problems]);
  });
});

describe('evaluateRules with an objection', () => {
  const compiled = compileMappings(
    [
      {
        name: 'm.yaml',
        text: `decisionAids:
  - id: aid
    title: Aid
    activityDefinition: https://keuzehulp.example.org/fhir/ActivityDefinition/aid
    delivery: { type: http-api, url: "http://127.0.0.1:4010/api", auth: { type: none }, body: { a: 1 }, linkField: url }
triggers:
  - { id: fires, keyMoment: medication-change, resourceType: MedicationRequest, decisionAid: aid, recipients: by-age }
  - { id: not-for-updates, keyMoment: medication-change, resourceType: MedicationRequest, interactions: [update], decisionAid: aid, recipients: [patient] }
`,
      },
    ],
    {},
  );
  const mother: RelatedPerson & { id: string } = {
    resourceType: 'RelatedPerson',
    id: 'moeder',
    patient: { reference: 'Patient/kind-1' },
    relationship: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode', code: 'MTH' }] }],
  };
  const request: MedicationRequest & { id: string } = {
    resourceType: 'MedicationRequest',
    id: 'ma-1',
    status: 'active',
    intent: 'order',
    subject: { reference: 'Patient/kind-1' },
  };
  const facts = (extra: Partial<RuleFacts>): RuleFacts => ({
    resource: request,
    interaction: 'create',
    occurredAt: DAY,
    patient: patient(),
    relatedPersons: [mother],
    ...extra,
  });

  it('invites nobody and says why, on the trigger that would have invited', () => {
    const outcome = evaluateRules(compiled, facts({ consents: [consent(deny())] }));
    expect(outcome.invitations).toEqual([]);
    expect(outcome.skipped).toEqual([
      {
        triggerId: 'fires',
        reason: expect.stringMatching(/^patient objected: Consent\/c-1 denies/),
        code: 'objection',
      },
      { triggerId: 'not-for-updates', reason: 'interaction create not in [update]' },
    ]);
    expect(outcome.objection).toEqual({ source: 'Consent/c-1', reason: expect.stringMatching(/^patient objected/) });
  });

  it('honours the Patient flag passed as the policy', () => {
    const policy = createObjectionPolicy({ patientFlag: `extension.where(url = '${FLAG_URL}').valueBoolean` });
    const flagged = facts({ patient: patient({ extension: [{ url: FLAG_URL, valueBoolean: true }] }) });
    expect(evaluateRules(compiled, flagged).invitations).toHaveLength(2);
    const outcome = evaluateRules(compiled, flagged, { objection: policy });
    expect(outcome.invitations).toEqual([]);
    expect(outcome.skipped[0]).toMatchObject({
      code: 'objection',
      reason: 'patient objected: the objection flag on the Patient is set',
    });
  });

  it('invites as usual without an objection', () => {
    expect(
      evaluateRules(compiled, facts({ consents: [consent(permit())] })).invitations.map((i) => i.recipient.reference),
    ).toEqual(['Patient/kind-1', 'RelatedPerson/moeder']);
  });
});
