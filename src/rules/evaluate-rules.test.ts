import type { Encounter, MedicationRequest, Patient, RelatedPerson } from '@medplum/fhirtypes';
import { compileMappings } from './compile-mappings.js';
import { evaluateRules, patientReferenceOf } from './evaluate-rules.js';
import type { RuleFacts } from './types.js';

const ATC = 'http://www.whocc.no/atc';
const SNOMED = 'http://snomed.info/sct';
const ROLE_CODE = 'http://terminology.hl7.org/CodeSystem/v3-RoleCode';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

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
  - id: astma-12-15
    keyMoment: medication-change
    resourceType: MedicationRequest
    condition: "category.coding.where(system = '${SNOMED}' and code = '16076005').exists()"
    codes: [{ system: "${ATC}", prefix: R03 }]
    patient: { minAge: 12, maxAge: 15, departments: [Organization/kinderlongziekten, "urn:oid:2.16.528.1.1007.3.3|KLZ"] }
    decisionAid: astma-kind
    recipients: [patient, guardian]
    delay: PT2H
    throttle: P30D
  - id: astma-ouders
    keyMoment: medication-change
    resourceType: MedicationRequest
    interactions: [create]
    codes: [{ system: "${ATC}", code: R03BA05 }]
    decisionAid: astma-kind
    recipients: [guardian]
  - id: evaluatie
    keyMoment: evaluation
    resourceType: Encounter
    interactions: [update]
    condition: status = 'finished'
    patient: { departments: [Organization/kinderlongziekten] }
    decisionAid: astma-kind
    recipients: [patient]
`,
    },
  ],
  {},
);

const OCCURRED_AT = '2024-05-01T10:15:00+02:00';

function patient(extra: Partial<Patient> = {}): Patient & { id: string } {
  return {
    resourceType: 'Patient',
    id: 'kind-1',
    birthDate: '2011-03-15',
    managingOrganization: { reference: 'Organization/kinderlongziekten' },
    ...extra,
  };
}

function parent(id: string, code: string, extra: Partial<RelatedPerson> = {}): RelatedPerson & { id: string } {
  return {
    resourceType: 'RelatedPerson',
    id,
    patient: { reference: 'Patient/kind-1' },
    relationship: [{ coding: [{ system: ROLE_CODE, code }] }],
    ...extra,
  };
}

function request(extra: Partial<MedicationRequest> = {}): MedicationRequest & { id: string } {
  return {
    resourceType: 'MedicationRequest',
    id: 'ma-1',
    status: 'active',
    intent: 'order',
    category: [{ coding: [{ system: SNOMED, code: '16076005' }] }],
    medicationCodeableConcept: { coding: [{ system: ATC, code: 'R03BA02' }] },
    subject: { reference: 'Patient/kind-1' },
    ...extra,
  };
}

function facts(extra: Partial<RuleFacts> = {}): RuleFacts {
  return {
    resource: request(),
    interaction: 'update',
    occurredAt: OCCURRED_AT,
    patient: patient(),
    relatedPersons: [parent('moeder', 'MTH')],
    ...extra,
  };
}

function outcomeOf(trigger: string, input: RuleFacts): { fired: string[]; reasons: string[] } {
  const outcome = evaluateRules(MAPPINGS, input);
  return {
    fired: outcome.invitations.filter((i) => i.triggerId === trigger).map((i) => i.recipient.reference),
    reasons: outcome.skipped.filter((s) => s.triggerId === trigger).map((s) => s.reason),
  };
}

describe('evaluateRules: each filter of a trigger', () => {
  const fires = ['Patient/kind-1', 'RelatedPerson/moeder'];
  it.each<[string, Partial<RuleFacts>, string[], RegExp | undefined]>([
    ['everything matches', {}, fires, undefined],
    ['interaction create is allowed', { interaction: 'create' }, fires, undefined],
    ['interaction delete is not', { interaction: 'delete' }, [], /^interaction delete not in \[create, update\]$/],
    [
      'condition false (no category)',
      { resource: request({ category: [] }) },
      [],
      /^condition false: category\.coding\.where/,
    ],
    [
      'ATC code outside R03',
      { resource: request({ medicationCodeableConcept: { coding: [{ system: ATC, code: 'R05CB01' }] } }) },
      [],
      /^ATC code R05CB01 does not match ATC prefix R03$/,
    ],
    [
      'ATC code in a contained Medication',
      {
        resource: request({
          medicationCodeableConcept: undefined,
          medicationReference: { reference: '#m' },
          contained: [{ resourceType: 'Medication', id: 'm', code: { coding: [{ system: ATC, code: 'R03AK06' }] } }],
        }),
      },
      fires,
      undefined,
    ],
    [
      'only a PRK code, no ATC',
      {
        resource: request({
          medicationCodeableConcept: { coding: [{ system: 'urn:oid:2.16.840.1.113883.2.4.4.10', code: '12345' }] },
        }),
      },
      [],
      /^no code of the wanted system at the usual codes of MedicationRequest/,
    ],
    ['patient unknown', { patient: undefined }, [], /^patient unknown/],
    ['patient deceased', { patient: patient({ deceasedDateTime: '2024-04-01' }) }, [], /^patient is deceased$/],
    ['birth date missing', { patient: patient({ birthDate: undefined }) }, [], /^patient birth date unknown/],
    [
      'birth date too vague for the day',
      { patient: patient({ birthDate: '2012' }) },
      [],
      /cannot be told from the birth date/,
    ],
    [
      'age 11 on the day',
      { patient: patient({ birthDate: '2012-05-02' }) },
      [],
      /^patient 11y younger than minAge 12$/,
    ],
    ['age 12 on the day (birthday today)', { patient: patient({ birthDate: '2012-05-01' }) }, fires, undefined],
    ['age 15 on the day', { patient: patient({ birthDate: '2009-01-01' }) }, fires, undefined],
    ['age 15, turns 16 tomorrow', { patient: patient({ birthDate: '2008-05-02' }) }, fires, undefined],
    [
      'age 16 on the day (birthday today)',
      { patient: patient({ birthDate: '2008-05-01' }) },
      [],
      /^patient 16y older than maxAge 15$/,
    ],
    ['department by managingOrganization', {}, fires, undefined],
    [
      'other managingOrganization',
      { patient: patient({ managingOrganization: { reference: 'Organization/cardiologie' } }) },
      [],
      /^department Organization\/cardiologie \(Patient\.managingOrganization\) not in/,
    ],
    [
      'no managingOrganization',
      { patient: patient({ managingOrganization: undefined }) },
      [],
      /^department unknown: no Encounter\.serviceProvider, requester organization or Patient\.managingOrganization$/,
    ],
    [
      'encounter serviceProvider matches by identifier',
      {
        encounter: encounter({
          serviceProvider: { identifier: { system: 'urn:oid:2.16.528.1.1007.3.3', value: 'KLZ' } },
        }),
      },
      fires,
      undefined,
    ],
    [
      'encounter serviceProvider by absolute reference',
      {
        encounter: encounter({
          serviceProvider: { reference: 'https://epd.example/fhir/Organization/kinderlongziekten' },
        }),
      },
      fires,
      undefined,
    ],
    [
      'encounter at another department wins over the patient record',
      { encounter: encounter({ serviceProvider: { reference: 'Organization/spoedeisende-hulp' } }) },
      [],
      /^department Organization\/spoedeisende-hulp \(Encounter\.serviceProvider\)/,
    ],
    [
      'encounter without serviceProvider: the patient record decides (zib Encounters often name none)',
      { encounter: encounter({}) },
      ['Patient/kind-1', 'RelatedPerson/moeder'],
      undefined,
    ],
  ])('%s', (_name, change, recipients, reason) => {
    const { fired, reasons } = outcomeOf('astma-12-15', facts(change));
    expect(fired).toEqual(recipients);
    if (reason) expect(reasons).toEqual([expect.stringMatching(reason)]);
    else expect(reasons).toEqual([]);
  });
});

describe('evaluateRules: recipients', () => {
  it.each<[string, (RelatedPerson & { id: string })[], string[], string[]]>([
    [
      'mother and father, not the grandmother',
      [parent('moeder', 'MTH'), parent('oma', 'GRMTH'), parent('vader', 'FTH')],
      ['Patient/kind-1', 'RelatedPerson/moeder', 'RelatedPerson/vader'],
      [],
    ],
    ['a legal guardian', [parent('voogd', 'GUARD')], ['Patient/kind-1', 'RelatedPerson/voogd'], []],
    [
      'no guardian: the patient still goes',
      [parent('oma', 'GRMTH')],
      ['Patient/kind-1'],
      ['no parent or guardian of Patient/kind-1'],
    ],
    [
      'only an inactive parent',
      [parent('moeder', 'MTH', { active: false })],
      ['Patient/kind-1'],
      ['no parent or guardian of Patient/kind-1'],
    ],
    [
      'a parent of another child',
      [parent('moeder', 'MTH', { patient: { reference: 'Patient/kind-2' } })],
      ['Patient/kind-1'],
      ['no parent or guardian of Patient/kind-1'],
    ],
  ])('%s', (_name, relatedPersons, recipients, reasons) => {
    const { fired, reasons: skipped } = outcomeOf('astma-12-15', facts({ relatedPersons }));
    expect(fired).toEqual(recipients);
    expect(skipped.map((reason) => reason.slice(0, 39))).toEqual(reasons);
  });

  it('a guardian-only trigger without guardians invites nobody and says why', () => {
    const { fired, reasons } = outcomeOf(
      'astma-ouders',
      facts({
        interaction: 'create',
        relatedPersons: [],
        resource: request({ medicationCodeableConcept: { coding: [{ system: ATC, code: 'R03BA05' }] } }),
      }),
    );
    expect(fired).toEqual([]);
    expect(reasons).toEqual([expect.stringMatching(/^no parent or guardian of Patient\/kind-1/)]);
  });

  it('fills every field of a decision from the trigger', () => {
    const outcome = evaluateRules(MAPPINGS, facts());
    expect(outcome.patient).toBe('Patient/kind-1');
    expect(outcome.invitations).toEqual([
      {
        triggerId: 'astma-12-15',
        keyMoment: 'medication-change',
        decisionAidId: 'astma-kind',
        recipient: { role: 'patient', reference: 'Patient/kind-1' },
        delayMs: 2 * HOUR,
        throttleMs: 30 * DAY,
        throttleScope: 'key-moment',
      },
      {
        triggerId: 'astma-12-15',
        keyMoment: 'medication-change',
        decisionAidId: 'astma-kind',
        recipient: { role: 'guardian', reference: 'RelatedPerson/moeder' },
        delayMs: 2 * HOUR,
        throttleMs: 30 * DAY,
        throttleScope: 'key-moment',
      },
    ]);
    expect(outcome.skipped).toEqual([{ triggerId: 'astma-ouders', reason: 'interaction update not in [create]' }]);
  });
});

describe('evaluateRules: resource types', () => {
  it('an Encounter is its own department source and only meets Encounter triggers', () => {
    const visit = encounter({ status: 'finished', serviceProvider: { reference: 'Organization/kinderlongziekten' } });
    const outcome = evaluateRules(
      MAPPINGS,
      facts({ resource: visit, patient: patient({ managingOrganization: undefined }) }),
    );
    expect(
      outcome.invitations.map((i) => [i.triggerId, i.keyMoment, i.recipient.reference, i.delayMs, i.throttleMs]),
    ).toEqual([['evaluatie', 'evaluation', 'Patient/kind-1', 0, 0]]);
    expect(outcome.skipped).toEqual([]);
  });

  it('a trigger without an age filter needs no birth date', () => {
    const visit = encounter({ status: 'finished', serviceProvider: { reference: 'Organization/kinderlongziekten' } });
    const outcome = evaluateRules(MAPPINGS, facts({ resource: visit, patient: patient({ birthDate: undefined }) }));
    expect(outcome.invitations).toHaveLength(1);
  });

  it('a type no trigger is written for gives an empty outcome', () => {
    const observation = {
      resourceType: 'Observation',
      id: 'o1',
      status: 'final',
      code: {},
      subject: { reference: 'Patient/kind-1' },
    } as const;
    expect(evaluateRules(MAPPINGS, facts({ resource: observation }))).toEqual({
      patient: 'Patient/kind-1',
      invitations: [],
      skipped: [],
    });
  });

  it('finds the patient reference of the resource for the events worker', () => {
    expect(patientReferenceOf(request())).toBe('Patient/kind-1');
  });
});

function encounter(extra: Partial<Encounter>): Encounter & { id: string } {
  return {
    resourceType: 'Encounter',
    id: 'enc-1',
    status: 'in-progress',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
    subject: { reference: 'Patient/kind-1' },
    ...extra,
  };
}
