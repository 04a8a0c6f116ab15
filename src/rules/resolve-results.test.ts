import { compileMappings } from './compile-mappings.js';
import { type MappingError } from './mapping-error.js';

const aid = (results: string) =>
  [
    'decisionAids:',
    '  - id: hulp',
    '    title: Hulp',
    '    activityDefinition: https://example.org/fhir/ActivityDefinition/hulp|1',
    '    delivery: { type: signed-link, baseUrl: "https://example.org/start", secretEnv: LINK_SECRET }',
    '    results:',
    ...results.split('\n').map((line) => `      ${line}`),
  ].join('\n');

const RESULTS = [
  'auth: { type: bearer, tokenEnv: RESULTS_TOKEN }',
  'invitationField: invitation',
  'resultIdField: result.id',
  'questionnaires:',
  '  - questionnaire: https://sdm-bridge.org/fhir/Questionnaire/sdm-q9|1.0.0',
  '    guardianQuestionnaire: https://sdm-bridge.org/fhir/Questionnaire/sdm-q9-ouder|1.0.0',
  '    answers: { sdm-q9-1: sdmq9.q1 }',
].join('\n');
const ENV = { LINK_SECRET: 'k'.repeat(32), RESULTS_TOKEN: 'results-token-0123456789' };

const issuesOf = (text: string, env: Record<string, string> = ENV): string[] => {
  try {
    compileMappings([{ name: 'hulp.yaml', text }], env);
    return [];
  } catch (err) {
    return (err as MappingError).errors.map((i) => `${i.line} ${i.field}: ${i.message}`);
  }
};

describe('the results section of a decision aid', () => {
  it('compiles with the credential read from the environment', () => {
    const compiled = compileMappings([{ name: 'hulp.yaml', text: aid(RESULTS) }], ENV);
    expect(compiled.decisionAids.get('hulp')?.results).toEqual({
      auth: { type: 'bearer', token: 'results-token-0123456789' },
      invitationField: 'invitation',
      resultIdField: 'result.id',
      questionnaires: [
        {
          questionnaire: 'https://sdm-bridge.org/fhir/Questionnaire/sdm-q9|1.0.0',
          guardianQuestionnaire: 'https://sdm-bridge.org/fhir/Questionnaire/sdm-q9-ouder|1.0.0',
          optional: false,
          answers: { 'sdm-q9-1': 'sdmq9.q1' },
        },
      ],
    });
  });

  it.each([
    [
      'a missing secret',
      RESULTS,
      { LINK_SECRET: 'k'.repeat(32) },
      /results\.auth\.tokenEnv: environment variable RESULTS_TOKEN is not set/,
    ],
    [
      'a secret written into the file',
      RESULTS.replace('tokenEnv: RESULTS_TOKEN', 'token: abc'),
      ENV,
      /results\.auth\.token: unknown field: secrets are not written/,
    ],
    [
      'a canonical without version',
      RESULTS.replace('sdm-q9|1.0.0\n', 'sdm-q9\n'),
      ENV,
      /questionnaire: must be a canonical URL with \|version/,
    ],
    ['an answer path that is no dot path', RESULTS.replace('sdmq9.q1', '"sdmq9[1]"'), ENV, /must be a dot path/],
    [
      'no questionnaires',
      RESULTS.split('\nquestionnaires:')[0] + '\nquestionnaires: []',
      ENV,
      /questionnaires: Too small|questionnaires: .*1/,
    ],
  ])('reports %s at its line', (_name, results, env, message) => {
    const issues = issuesOf(aid(results), env);
    expect(issues.join('\n')).toMatch(message);
    expect(issues.every((i) => /^\d+ /.test(i))).toBe(true);
  });

  it('names a missing variable once when delivery and results share it', () => {
    const shared = RESULTS.replace(
      '{ type: bearer, tokenEnv: RESULTS_TOKEN }',
      '{ type: hmac, secretEnv: LINK_SECRET }',
    );
    expect(issuesOf(aid(shared), {})).toEqual([
      expect.stringMatching(/delivery\.secretEnv: environment variable LINK_SECRET is not set/),
    ]);
  });
});
