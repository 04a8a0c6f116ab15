import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import { checkMappings } from '../../src/cli/mappings-check.js';
import { FhirPathBudgetError, withinBudget } from '../../src/rules/bounded-fhir-path.js';
import { compileFhirPath, evaluatePath } from '../../src/rules/compile-fhir-path.js';
import { createObjectionPolicy } from '../../src/rules/objection-policy.js';

/**
 * Finding (medium): `matches('^(a+)+$')` in a mapping condition (or OBJECTION_PATIENT_FHIRPATH)
 * and one crafted note blocked the process for 38 s, and `mappings check` passed it.
 */
const CRAFTED = { resourceType: 'MedicationRequest', note: [{ text: `${'a'.repeat(5000)}!` }] } as Resource;

describe('regular expressions in FHIRPath run in linear time', () => {
  it.each([
    ["note.text.matches('^(a+)+$')", false],
    ["note.text.matches('^(a|aa)+!$')", true],
    ["note.text.replaceMatches('(a+)+!', 'x') = 'x'", true],
  ])('%s on a crafted note answers at once: %s', (expression, expected) => {
    // With JavaScript's backtracking engine the first of these does not finish within the test timeout.
    expect(evaluatePath(compileFhirPath(expression, 'MedicationRequest'), CRAFTED)).toEqual([
      { type: 'boolean', value: expected },
    ]);
  });

  it.each([
    ["note.text.matches('(a)\\\\1')", /not a linear-time regular expression/],
    ["note.text.matches('a(?=b)')", /not a linear-time regular expression/],
    ['note.text.matches(note.text)', /must be a literal string/],
  ])('refuses %s at load', (expression, message) => {
    expect(() => compileFhirPath(expression, 'MedicationRequest')).toThrow(message);
  });

  it('refuses a backtracking-only pattern in OBJECTION_PATIENT_FHIRPATH when the policy is built', () => {
    expect(() => createObjectionPolicy({ patientFlag: "name.family.matches('(x+)\\\\1')" })).toThrow(/linear-time/);
  });
});

describe('every evaluation has a time budget', () => {
  it('stops an evaluation that ran over its budget with a FhirPathBudgetError', () => {
    const path = compileFhirPath("note.text.matches('^a+!$')", 'MedicationRequest');
    // A budget already spent: the first function call finds the deadline passed.
    expect(() => withinBudget(() => evaluatePath(path, CRAFTED), -1)).toThrow(FhirPathBudgetError);
    expect(evaluatePath(path, CRAFTED)).toEqual([{ type: 'boolean', value: true }]); // the next one has its own
  });
});

describe('mappings check reports a refused pattern with file:line', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bounded-rules-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('fails on a lookahead in a trigger condition', async () => {
    await writeFile(
      join(dir, 'mapping.yaml'),
      [
        'decisionAids:',
        '  - id: astma-kind',
        '    title: Keuzehulp astma',
        '    activityDefinition: https://keuzehulp.example.org/fhir/ActivityDefinition/astma-kind|2.1',
        '    delivery: { type: signed-link, baseUrl: "http://127.0.0.1:4010/start", secretEnv: LINK_SECRET }',
        'triggers:',
        '  - id: medicatie',
        '    keyMoment: medication-change',
        '    resourceType: MedicationRequest',
        '    decisionAid: astma-kind',
        '    recipients: [patient]',
        `    condition: "note.text.matches('a(?=b)')"`,
      ].join('\n'),
    );
    const result = await checkMappings(dir, { LINK_SECRET: 'k'.repeat(32) });
    expect(result.ok).toBe(false);
    expect(result.lines.join('\n')).toMatch(/mapping\.yaml:12 .*not a linear-time regular expression/);
  });
});
