import type { CompiledMappings } from '../rules/compile-mappings.js';
import type { DecisionAid, ResultQuestionnaireMapping } from '../rules/types.js';
import { checkResultMappings } from './check-result-mappings.js';
import { loadQuestionnaires } from './load-questionnaires.js';
import type { QuestionnaireSet } from './questionnaire-set.js';
import { ASTHMA_AID, questionnaireUrl } from '../../test/fixtures/results/result-fixtures.js';

let questionnaires: QuestionnaireSet;
beforeAll(async () => {
  questionnaires = await loadQuestionnaires('mappings/questionnaires');
});

const withQuestionnaires = (
  list: ResultQuestionnaireMapping[],
  token = 'results-token-0123456789',
): CompiledMappings => {
  const aid: DecisionAid = {
    ...ASTHMA_AID,
    results: { ...ASTHMA_AID.results!, auth: { type: 'bearer', token }, questionnaires: list },
  };
  return { decisionAids: new Map([[aid.id, aid]]) } as unknown as CompiledMappings;
};
const act = (
  answers: Record<string, string>,
  extra: Partial<ResultQuestionnaireMapping> = {},
): ResultQuestionnaireMapping => ({ questionnaire: questionnaireUrl('act'), optional: true, answers, ...extra });
const ALL_ACT = { 'act-1': 'a', 'act-2': 'b', 'act-3': 'c', 'act-4': 'd', 'act-5': 'e' };

describe('checkResultMappings', () => {
  it('accepts the example aid', () => {
    expect(
      checkResultMappings(
        withQuestionnaires(ASTHMA_AID.results!.questionnaires as ResultQuestionnaireMapping[]),
        questionnaires,
      ),
    ).toEqual([]);
  });

  it.each([
    [
      'an unknown Questionnaire',
      [act(ALL_ACT, { questionnaire: 'https://example.org/Questionnaire/x|1' })],
      /is not in the questionnaire files/,
    ],
    ['a linkId the Questionnaire lacks', [act({ ...ALL_ACT, 'act-9': 'z' })], /act-9 is not a linkId/],
    [
      'a group mapped as a question',
      [
        {
          questionnaire: questionnaireUrl('keuzeformulier'),
          optional: false,
          answers: { keuze: 'k', 'keuze-voorkeur': 'v', 'keuze-zekerheid': 'z' },
        },
      ],
      /keuze is a group item/,
    ],
    ['a required question left unmapped', [act({ 'act-1': 'a' })], /required question act-2 is not mapped/],
    [
      'a guardian wording that asks other questions',
      [act(ALL_ACT, { guardianQuestionnaire: questionnaireUrl('c-act') })],
      /differs from .*act\|1\.0\.0 at/,
    ],
  ] as [string, ResultQuestionnaireMapping[], RegExp][])('reports %s', (_name, list, message) => {
    expect(
      checkResultMappings(withQuestionnaires(list), questionnaires)
        .map((i) => i.message)
        .join('\n'),
    ).toMatch(message);
  });

  it('reports a credential shorter than 16 characters', () => {
    expect(checkResultMappings(withQuestionnaires([act(ALL_ACT)], 'short'), questionnaires)).toEqual([
      expect.objectContaining({ field: 'results.auth', message: expect.stringMatching(/shorter than 16/) }),
    ]);
  });
});
