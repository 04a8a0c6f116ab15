import type { MedicationRequest, Patient, RelatedPerson } from '@medplum/fhirtypes';
import { compileMappings } from './compile-mappings.js';
import { evaluateRules } from './evaluate-rules.js';
import { MappingError, type MappingIssue } from './mapping-error.js';
import { bandFor, DEFAULT_RECIPIENT_AGE_POLICY, rolesByAge } from './recipient-policy.js';
import type { RuleFacts } from './types.js';

const ROLE_CODE = 'http://terminology.hl7.org/CodeSystem/v3-RoleCode';
const AID = `decisionAids:
  - id: aid
    title: Aid
    activityDefinition: https://keuzehulp.example.org/fhir/ActivityDefinition/aid
    delivery: { type: http-api, url: "http://127.0.0.1:4010/api", auth: { type: none }, body: { a: 1 }, linkField: url }
`;

function mappings(recipients: string) {
  const text = `${AID}triggers:\n  - id: t\n    keyMoment: medication-change\n    resourceType: MedicationRequest\n    decisionAid: aid\n    recipients: ${recipients}\n`;
  return compileMappings([{ name: 'm.yaml', text }], {});
}

const BY_AGE = mappings('by-age');
const OWN_TABLE = mappings(
  '{ byAge: [{ fromAge: 0, recipients: [guardian] }, { fromAge: 12, recipients: [patient, guardian] }, { fromAge: 18, recipients: [patient] }] }',
);

const ON_THE_DAY = '2024-05-01T10:15:00+02:00';
const mother: RelatedPerson & { id: string } = {
  resourceType: 'RelatedPerson',
  id: 'moeder',
  patient: { reference: 'Patient/kind-1' },
  relationship: [{ coding: [{ system: ROLE_CODE, code: 'MTH' }] }],
};
const request: MedicationRequest & { id: string } = {
  resourceType: 'MedicationRequest',
  id: 'ma-1',
  status: 'active',
  intent: 'order',
  subject: { reference: 'Patient/kind-1' },
};

function facts(birthDate: string | undefined, extra: Partial<RuleFacts> = {}): RuleFacts {
  const patient: Patient & { id: string } = {
    resourceType: 'Patient',
    id: 'kind-1',
    ...(birthDate ? { birthDate } : {}),
  };
  return {
    resource: request,
    interaction: 'create',
    occurredAt: ON_THE_DAY,
    patient,
    relatedPersons: [mother],
    ...extra,
  };
}

function invited(compiled: ReturnType<typeof mappings>, input: RuleFacts) {
  const outcome = evaluateRules(compiled, input);
  return {
    to: outcome.invitations.map((i) => i.recipient.reference),
    skipped: outcome.skipped.map((s) => `${s.code}: ${s.reason}`),
  };
}

const GUARDIAN = ['RelatedPerson/moeder'];
const BOTH = ['Patient/kind-1', 'RelatedPerson/moeder'];
const PATIENT = ['Patient/kind-1'];

describe('recipients: by-age (the paediatric default), age on the day of the key moment', () => {
  it.each<[string, string, string[]]>([
    ['a newborn', '2024-04-30', GUARDIAN],
    ['11 on the day', '2012-06-01', GUARDIAN],
    ['11 on the day, 12 tomorrow', '2012-05-02', GUARDIAN],
    ['12 on the day (birthday today)', '2012-05-01', BOTH],
    ['15 on the day', '2009-01-01', BOTH],
    ['15 on the day, 16 tomorrow', '2008-05-02', BOTH],
    ['16 on the day (birthday today)', '2008-05-01', PATIENT],
    ['17', '2007-02-11', PATIENT],
    ['an adult', '1984-05-01', PATIENT],
    ['a birth month that settles the age (12)', '2012-04', BOTH],
  ])('%s → %j', (_name, birthDate, recipients) => {
    expect(invited(BY_AGE, facts(birthDate))).toEqual({ to: recipients, skipped: [] });
  });

  it('takes the calendar day as the EPD wrote it, also late in the evening', () => {
    const late = facts('2012-05-02', { occurredAt: '2024-05-01T23:59:00+02:00' });
    expect(invited(BY_AGE, late).to).toEqual(GUARDIAN);
  });

  it.each<[string, string | undefined, RegExp]>([
    ['no birth date', undefined, /^age-unknown: patient birth date unknown, needed to choose the recipients by age$/],
    [
      'a birth year only, 11 or 12 on the day',
      '2012',
      /^age-unknown: patient age on 2024-05-01 cannot be told from the birth date/,
    ],
    ['a birth date that is no date', '2012-13-01', /^age-unknown: patient age on 2024-05-01 cannot be told/],
  ])('%s: nobody is invited, and the reason says why', (_name, birthDate, reason) => {
    expect(invited(BY_AGE, facts(birthDate))).toEqual({ to: [], skipped: [expect.stringMatching(reason)] });
  });

  it.each<[string, string, string[]]>([
    ['9, no guardian: nobody', '2015-01-01', []],
    ['13, no guardian: the child alone', '2011-01-01', PATIENT],
    ['16, no guardian: the patient, nothing missing', '2008-01-01', PATIENT],
  ])('%s', (_name, birthDate, recipients) => {
    const result = invited(BY_AGE, facts(birthDate, { relatedPersons: [] }));
    expect(result.to).toEqual(recipients);
    expect(result.skipped).toEqual(
      birthDate < '2008-05-01' ? [] : [expect.stringMatching(/^no-guardian: no parent or guardian of Patient\/kind-1/)],
    );
  });
});

describe('recipients: { byAge: [...] }, a table of its own', () => {
  it.each<[string, string, string[]]>([
    ['11', '2012-06-01', GUARDIAN],
    ['16 (the default would say patient alone)', '2008-05-01', BOTH],
    ['17, 18 tomorrow', '2006-05-02', BOTH],
    ['18 on the day', '2006-05-01', PATIENT],
  ])('%s → %j', (_name, birthDate, recipients) => {
    expect(invited(OWN_TABLE, facts(birthDate)).to).toEqual(recipients);
  });

  it('still lists every role it may invite on the compiled trigger', () => {
    expect(BY_AGE.triggers[0]?.recipients).toEqual(['guardian', 'patient']);
    expect(OWN_TABLE.triggers[0]?.recipientsByAge?.map((band) => band.fromAge)).toEqual([0, 12, 18]);
  });
});

describe('recipients: what a mapping file may not say', () => {
  function issues(recipients: string): MappingIssue[] {
    try {
      mappings(recipients);
    } catch (err) {
      if (err instanceof MappingError) return err.errors;
      throw err;
    }
    throw new Error('expected a MappingError');
  }
  it.each<[string, string, string, RegExp]>([
    ['a misspelt policy', 'by-ages', 'triggers[0].recipients', /must be a list of roles .*by-age/],
    ['an empty list', '[]', 'triggers[0].recipients', /./],
    ['a role twice', '[patient, patient]', 'triggers[0].recipients', /lists a recipient twice/],
    [
      'a table not starting at 0',
      '{ byAge: [{ fromAge: 4, recipients: [guardian] }] }',
      'triggers[0].recipients.byAge[0].fromAge',
      /start at fromAge 0/,
    ],
    [
      'bands out of order',
      '{ byAge: [{ fromAge: 0, recipients: [guardian] }, { fromAge: 16, recipients: [patient] }, { fromAge: 12, recipients: [patient] }] }',
      'triggers[0].recipients.byAge[2].fromAge',
      /must go up: 12 follows 16/,
    ],
    [
      'an unknown role in a band',
      '{ byAge: [{ fromAge: 0, recipients: [parent] }] }',
      'triggers[0].recipients.byAge[0].recipients[0]',
      /expected one of/,
    ],
    [
      'a band without recipients',
      '{ byAge: [{ fromAge: 0 }] }',
      'triggers[0].recipients.byAge[0].recipients',
      /^is required$/,
    ],
    [
      'a typo in a band',
      '{ byAge: [{ fromAge: 0, recipient: [guardian] }] }',
      'triggers[0].recipients.byAge[0].recipient',
      /^unknown field$/,
    ],
  ])('%s', (_name, recipients, field, message) => {
    expect(issues(recipients)).toContainEqual(
      expect.objectContaining({ field, message: expect.stringMatching(message), line: expect.any(Number) }),
    );
  });
});

describe('rolesByAge and bandFor', () => {
  it('covers every age from 0 with the default', () => {
    for (let age = 0; age <= 120; age++) expect(bandFor(DEFAULT_RECIPIENT_AGE_POLICY, age)).toBeDefined();
  });

  it('returns the age it used', () => {
    expect(
      rolesByAge(DEFAULT_RECIPIENT_AGE_POLICY, { resourceType: 'Patient', birthDate: '2010-05-01' }, ON_THE_DAY),
    ).toEqual({ roles: ['patient', 'guardian'], age: 14 });
  });
});
