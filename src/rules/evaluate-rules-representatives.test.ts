import type { Consent, MedicationRequest, Patient, PatientContact, RelatedPerson } from '@medplum/fhirtypes';
import { compileMappings } from './compile-mappings.js';
import { evaluateRules } from './evaluate-rules.js';
import { ZIB_ROLE_SYSTEM } from './select-guardians.js';
import type { RuleFacts } from './types.js';

/** Who is invited for a child: RelatedPersons first, `Patient.contact` as the fallback, an on-hold Task when nobody. */

const ATC = 'http://www.whocc.no/atc';
const ROLE_CODE = 'http://terminology.hl7.org/CodeSystem/v3-RoleCode';
const OCCURRED_AT = '2024-05-01T10:15:00+02:00';

const MAPPINGS = compileMappings(
  [
    {
      name: 'test.yaml',
      text: `
decisionAids:
  - id: astma-kind
    title: Keuzehulp astma
    activityDefinition: https://keuzehulp.example.org/fhir/ActivityDefinition/astma-kind|2.1
    delivery: { type: http-api, url: "http://127.0.0.1:4010/api", auth: { type: none }, body: { a: 1 }, linkField: url }
triggers:
  - id: astma-kind
    keyMoment: medication-change
    resourceType: MedicationRequest
    codes: [{ system: "${ATC}", prefix: R03 }]
    decisionAid: astma-kind
    recipients: by-age
    delay: PT2H
    throttle: P30D
  - id: astma-stiefouders
    keyMoment: treatment-choice
    resourceType: MedicationRequest
    codes: [{ system: "${ATC}", prefix: R03 }]
    decisionAid: astma-kind
    recipients: [guardian]
    representatives: { stepAndFosterParents: true }
`,
    },
  ],
  {},
);

function child(age: number, contact: PatientContact[] = []): Patient & { id: string } {
  return { resourceType: 'Patient', id: 'kind-1', birthDate: `${2024 - age - 1}-12-01`, contact };
}

function related(id: string, code: string): RelatedPerson & { id: string } {
  return {
    resourceType: 'RelatedPerson',
    id,
    patient: { reference: 'Patient/kind-1' },
    relationship: [{ coding: [{ system: ROLE_CODE, code }] }],
  };
}

const request: MedicationRequest & { id: string } = {
  resourceType: 'MedicationRequest',
  id: 'ma-1',
  status: 'active',
  intent: 'order',
  medicationCodeableConcept: { coding: [{ system: ATC, code: 'R03BA05' }] },
  subject: { reference: 'Patient/kind-1' },
};

const representative: PatientContact = {
  relationship: [{ coding: [{ system: ZIB_ROLE_SYSTEM, code: '24', display: 'Wettelijke vertegenwoordiger' }] }],
  name: { text: 'J. de Vries' },
};
const stepfather: PatientContact = {
  relationship: [{ coding: [{ system: ROLE_CODE, code: 'STPFTH' }] }],
  name: { text: 'K. Bakker' },
};

function evaluate(patient: Patient & { id: string }, extra: Partial<RuleFacts> = {}) {
  const outcome = evaluateRules(MAPPINGS, {
    resource: request,
    interaction: 'create',
    occurredAt: OCCURRED_AT,
    patient,
    relatedPersons: [],
    ...extra,
  });
  const of = (trigger: string) => ({
    invited: outcome.invitations.filter((i) => i.triggerId === trigger).map((i) => i.recipient),
    holds: (outcome.noRepresentative ?? []).filter((h) => h.triggerId === trigger),
    codes: outcome.skipped.filter((s) => s.triggerId === trigger).map((s) => s.code),
  });
  return { kind: of('astma-kind'), stief: of('astma-stiefouders') };
}

describe('evaluateRules: representatives of a child', () => {
  it('a Patient.contact with a representative code is invited when no RelatedPerson qualifies', () => {
    const { kind } = evaluate(child(9, [representative]));
    expect(kind.invited).toEqual([
      { role: 'guardian', reference: 'Patient/kind-1', contact: expect.stringContaining('#j. de vries') },
    ]);
    expect(kind.holds).toEqual([]);
    expect(kind.codes).toEqual([]);
  });

  it('a qualifying RelatedPerson is preferred: the contact is not invited besides', () => {
    const { kind } = evaluate(child(9, [representative]), { relatedPersons: [related('moeder', 'MTH')] });
    expect(kind.invited).toEqual([{ role: 'guardian', reference: 'RelatedPerson/moeder' }]);
  });

  it('the trigger decides which codes count, for contacts as for RelatedPersons', () => {
    const { kind, stief } = evaluate(child(9, [stepfather]));
    expect(kind.invited).toEqual([]);
    expect(stief.invited).toEqual([{ role: 'guardian', reference: 'Patient/kind-1', contact: expect.any(String) }]);
  });

  it('a child under 12 without any representative: one on-hold decision, the skip still counted', () => {
    const { kind } = evaluate(child(9, [{ ...representative, relationship: [] }]));
    expect(kind.invited).toEqual([]);
    expect(kind.codes).toEqual(['no-guardian']);
    expect(kind.holds).toEqual([
      {
        triggerId: 'astma-kind',
        keyMoment: 'medication-change',
        decisionAidId: 'astma-kind',
        recipient: { role: 'guardian', reference: 'Patient/kind-1' },
        delayMs: 0,
        throttleMs: 0,
        throttleScope: 'key-moment',
      },
    ]);
  });

  it('a child of 12-15 without a representative is invited itself: no on-hold decision', () => {
    const { kind } = evaluate(child(13));
    expect(kind.invited).toEqual([{ role: 'patient', reference: 'Patient/kind-1' }]);
    expect(kind.codes).toEqual(['no-guardian']);
    expect(kind.holds).toEqual([]);
  });

  it('an objection stops it as before: no invitation and no on-hold decision', () => {
    const objection: Consent = {
      resourceType: 'Consent',
      status: 'active',
      scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
      category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
      patient: { reference: 'Patient/kind-1' },
      provision: { type: 'deny' },
    };
    const { kind } = evaluate(child(9), { consents: [objection] });
    expect(kind.invited).toEqual([]);
    expect(kind.holds).toEqual([]);
    expect(kind.codes).toEqual(['objection']);
  });
});
