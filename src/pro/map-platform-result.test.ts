import type { QuestionnaireItem } from '@medplum/fhirtypes';
import { loadQuestionnaires } from './load-questionnaires.js';
import { mapPlatformResult, questionnaireName, toAnswer } from './map-platform-result.js';
import type { QuestionnaireSet } from './questionnaire-set.js';
import { ASTHMA_RESULTS, platformResult } from '../../test/fixtures/results/result-fixtures.js';

let questionnaires: QuestionnaireSet;
beforeAll(async () => {
  questionnaires = await loadQuestionnaires('mappings/questionnaires');
});

const item = (type: QuestionnaireItem['type'], extra: Partial<QuestionnaireItem> = {}): QuestionnaireItem => ({
  linkId: 'x',
  type,
  ...extra,
});
const YES_NO = [{ valueCoding: { system: 'https://example.org/yn', code: 'j', display: 'ja' } }];

describe('toAnswer: a JSON value as the answer its item takes', () => {
  it.each([
    ['a boolean', item('boolean'), true, { valueBoolean: true }],
    ['a whole number', item('integer'), 4, { valueInteger: 4 }],
    ['a fraction for an integer item (left for the check to name)', item('integer'), 2.5, { valueDecimal: 2.5 }],
    ['a number for a decimal item', item('decimal'), 3, { valueDecimal: 3 }],
    ['text for an integer item (left for the check)', item('integer'), 'vier', { valueString: 'vier' }],
    ['a date', item('date'), '2026-03-02', { valueDate: '2026-03-02' }],
    ['a code of an option', item('choice', { answerOption: YES_NO }), 'j', { valueCoding: YES_NO[0]!.valueCoding }],
    [
      'a number as the code of an option',
      item('choice', { answerOption: [{ valueCoding: { system: 's', code: '4' } }] }),
      4,
      { valueCoding: { system: 's', code: '4' } },
    ],
    [
      'an unknown code (left for the check)',
      item('choice', { answerOption: YES_NO }),
      'n',
      { valueCoding: { system: 'https://example.org/yn', code: 'n' } },
    ],
    ['free text for an open choice', item('open-choice', { answerOption: YES_NO }), 'soms', { valueString: 'soms' }],
    ['an object (not a value)', item('string'), { a: 1 }, { valueAttachment: { title: '(an object, not a value)' } }],
  ])('%s', (_name, definition, value, expected) => {
    expect(toAnswer(definition, value)).toEqual(expected);
  });
});

describe('mapPlatformResult', () => {
  const map = (json: unknown, role: 'patient' | 'guardian' = 'patient') =>
    mapPlatformResult({
      json,
      results: ASTHMA_RESULTS,
      aidId: 'astma-kind',
      role,
      receivedAt: '2026-03-02T21:00:00.000Z',
      questionnaires,
    });

  it('follows the Questionnaire: groups, an answer under an answer, several answers for a repeating question', () => {
    const [keuze] = map(platformResult('inv-1')).drafts;
    expect(keuze!.item.map((i) => [i.linkId, i.item?.map((c) => `${c.linkId}:${c.answer?.length}`)])).toEqual([
      ['keuze', ['keuze-voorkeur:1', 'keuze-zekerheid:1']],
      ['belangrijk', ['belangrijk-punt:2']],
      ['vervolg', ['vervolg-vragen:1', 'vervolg-samen-bespreken:1']],
    ]);
    expect(keuze!.item[0]!.item![0]!.answer![0]!.item![0]).toMatchObject({
      linkId: 'keuze-voorkeur-toelichting',
      answer: [{ valueString: expect.any(String) }],
    });
  });

  it('treats blank text and null as not answered', () => {
    const { drafts } = map(platformResult('inv-1', { summary: { questions: '  ', why: null } }));
    const linkIds = JSON.stringify(drafts[0]!.item);
    expect(linkIds).not.toContain('vervolg-vragen');
    expect(linkIds).not.toContain('keuze-voorkeur-toelichting');
  });

  it('takes the time the result was received when the platform sends none', () => {
    const json = platformResult('inv-1');
    delete (json.result as Record<string, unknown>).completedAt;
    expect(map(json).drafts.map((d) => d.authored)).toEqual(['2026-03-02T21:00:00.000Z', '2026-03-02T21:00:00.000Z']);
  });

  it('names the Questionnaire by the last part of its url', () => {
    expect(questionnaireName('https://sdm-bridge.org/fhir/Questionnaire/sdm-q9|1.0.0')).toBe('sdm-q9');
  });
});
