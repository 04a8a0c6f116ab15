import type { MedicationRequest } from '@medplum/fhirtypes';
import { compileMappings, type MappingSource } from './compile-mappings.js';
import { evaluateRules } from './evaluate-rules.js';
import { MappingError, type MappingIssue } from './mapping-error.js';
import { readValueSet } from './read-value-set.js';

const ATC = 'http://www.whocc.no/atc';
const SNOMED = 'http://snomed.info/sct';
const PRK = 'urn:oid:2.16.840.1.113883.2.4.4.10';

const json = (value: unknown) => JSON.stringify(value, null, 2);
const valueSet = (fields: Record<string, unknown>) => json({ resourceType: 'ValueSet', status: 'active', ...fields });

describe('readValueSet: the codes of a ValueSet file', () => {
  it.each<[string, string, unknown]>([
    [
      'explicit compose concepts',
      valueSet({ compose: { include: [{ system: SNOMED, concept: [{ code: '195967001' }, { code: '233678006' }] }] } }),
      [
        { system: SNOMED, code: '195967001' },
        { system: SNOMED, code: '233678006' },
      ],
    ],
    [
      'ATC is-a: every code below the group, as a prefix',
      valueSet({
        compose: { include: [{ system: ATC, filter: [{ property: 'concept', op: 'is-a', value: 'R03' }] }] },
      }),
      [{ system: ATC, prefix: 'R03' }],
    ],
    [
      'an expansion, nested groups included, before compose',
      valueSet({
        compose: { include: [{ system: SNOMED, concept: [{ code: 'ignored' }] }] },
        expansion: {
          contains: [
            { system: PRK, code: '1' },
            { abstract: true, contains: [{ system: PRK, code: '2' }] },
          ],
        },
      }),
      [
        { system: PRK, code: '1' },
        { system: PRK, code: '2' },
      ],
    ],
  ])('%s', (_name, text, expected) => {
    const issues: MappingIssue[] = [];
    expect(readValueSet('valuesets/x.json', text, issues)?.codes).toEqual(expected);
    expect(issues).toEqual([]);
  });

  it.each<[string, string, { line: number; field: string; message: RegExp }]>([
    [
      'a SNOMED is-a (needs a terminology server)',
      valueSet({
        compose: { include: [{ system: SNOMED, filter: [{ property: 'concept', op: 'is-a', value: '195967001' }] }] },
      }),
      { line: 9, field: 'compose.include[0].filter[0]', message: /without a terminology server/ },
    ],
    [
      'an include of a whole code system',
      valueSet({ compose: { include: [{ system: SNOMED }] } }),
      { line: 6, field: 'compose.include[0]', message: /whole code system/ },
    ],
    [
      'an exclude',
      valueSet({ compose: { include: [{ system: SNOMED, concept: [{ code: '1' }] }], exclude: [{ system: SNOMED }] } }),
      { line: 15, field: 'compose.exclude', message: /not supported/ },
    ],
    ['not a ValueSet', json({ resourceType: 'CodeSystem' }), { line: 2, field: 'resourceType', message: /ValueSet/ }],
    ['not JSON', '{ "resourceType": ', { line: 1, field: '', message: /not valid JSON/ }],
  ])('reports %s with its line', (_name, text, expected) => {
    const issues: MappingIssue[] = [];
    expect(readValueSet('valuesets/x.json', text, issues)).toBeUndefined();
    expect(issues[0]).toMatchObject({ file: 'valuesets/x.json', ...expected });
  });
});

const MAPPING = [
  'decisionAids:',
  '  - id: aid-a',
  '    title: Aid A',
  '    activityDefinition: https://keuzehulp.example.org/fhir/ActivityDefinition/a|1.0',
  '    delivery: { type: http-api, url: http://127.0.0.1/api, auth: { type: none }, body: {}, linkField: url }',
  'triggers:',
  '  - id: medication',
  '    keyMoment: medication-change',
  '    resourceType: MedicationRequest',
  '    decisionAid: aid-a',
  '    recipients: [patient]',
  '    codes:',
  '      - valueSet: https://example.org/fhir/ValueSet/asthma-gs|1.0',
  '      - valueSet: valuesets/atc.json',
].join('\n');
const VALUE_SETS: MappingSource[] = [
  {
    name: 'valuesets/atc.json',
    text: valueSet({ compose: { include: [{ system: ATC, filter: [{ op: 'is-a', value: 'R03' }] }] } }),
  },
  {
    name: 'valuesets/gs.json',
    text: valueSet({
      url: 'https://example.org/fhir/ValueSet/asthma-gs',
      compose: { include: [{ system: PRK, concept: [{ code: '123' }] }] },
    }),
  },
];

function request(system: string, code: string): MedicationRequest & { id: string } {
  return {
    resourceType: 'MedicationRequest',
    id: 'm',
    status: 'active',
    intent: 'order',
    subject: { reference: 'Patient/p' },
    medicationCodeableConcept: { coding: [{ system, code }] },
  };
}

describe('compileMappings: code filters that name a value set', () => {
  const compiled = compileMappings([{ name: 'a.yaml', text: MAPPING }], {}, VALUE_SETS);
  const run = (resource: MedicationRequest & { id: string }) =>
    evaluateRules(compiled, {
      resource,
      interaction: 'create',
      occurredAt: '2026-01-01T00:00:00Z',
      relatedPersons: [],
      patient: { resourceType: 'Patient', id: 'p' },
    });

  it.each([
    ['a PRK from the list (by canonical URL)', PRK, '123', 1],
    ['an ATC below R03 (by file name)', ATC, 'R03AC02', 1],
    ['a PRK not in the list', PRK, '999', 0],
    ['another ATC group', ATC, 'C09AA02', 0],
  ])('%s', (_name, system, code, invitations) => {
    expect(run(request(system, code)).invitations).toHaveLength(invitations);
  });

  it('names the value sets, not every code, when it skips', () => {
    expect(run(request(PRK, '999')).skipped[0]?.reason).toBe(
      'PRK code 999 does not match a code of value set https://example.org/fhir/ValueSet/asthma-gs|1.0 or a code of value set valuesets/atc.json',
    );
  });

  it('reports a value set that is not there at the line that names it', () => {
    let issues: MappingIssue[] = [];
    try {
      compileMappings([{ name: 'a.yaml', text: MAPPING }], {}, VALUE_SETS.slice(0, 1));
    } catch (err) {
      if (err instanceof MappingError) issues = err.errors;
    }
    expect(issues).toEqual([
      expect.objectContaining({
        file: 'a.yaml',
        line: 13,
        field: 'triggers[0].codes[0].valueSet',
        message: expect.stringMatching(/^no file under valuesets\/ has url .*set TERMINOLOGY_SERVER_URL/),
      }),
    ]);
  });

  it('takes a canonical URL no file provides from the expansions a terminology server gave', () => {
    const name = 'https://example.org/fhir/ValueSet/asthma-gs|1.0';
    const remote = new Map([[name, { name, codes: [{ system: PRK, code: '777' }] }]]);
    const fromServer = compileMappings([{ name: 'a.yaml', text: MAPPING }], {}, VALUE_SETS.slice(0, 1), remote);
    expect(fromServer.triggers[0]!.codes).toContainEqual(
      expect.objectContaining({ system: PRK, code: '777', valueSet: name }),
    );
  });

  it('leaves a value set the server step reported (null) to that report', () => {
    const remote = new Map([['https://example.org/fhir/ValueSet/asthma-gs|1.0', null]]);
    expect(() => compileMappings([{ name: 'a.yaml', text: MAPPING }], {}, VALUE_SETS.slice(0, 1), remote)).not.toThrow(
      MappingError,
    );
  });

  it('does not take valueSet together with system or code', () => {
    const text = MAPPING.replace(
      '      - valueSet: valuesets/atc.json',
      `      - { valueSet: valuesets/atc.json, system: ${ATC}, code: R03 }`,
    );
    expect(() => compileMappings([{ name: 'a.yaml', text }], {}, VALUE_SETS)).toThrow(/give either valueSet or system/);
  });
});
