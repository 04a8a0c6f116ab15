import type { QuestionnaireResponseItem } from '@medplum/fhirtypes';
import { loadQuestionnaires } from './load-questionnaires.js';
import type { QuestionnaireSet } from './questionnaire-set.js';
import { validateAnswers } from './validate-answers.js';

const Q = (name: string) => `https://sdm-bridge.org/fhir/Questionnaire/${name}|1.0.0`;
const AGREEMENT = 'https://sdm-bridge.org/fhir/CodeSystem/agreement-scale';
const CERTAINTY = 'https://sdm-bridge.org/fhir/CodeSystem/keuze-zekerheid';

let questionnaires: QuestionnaireSet;
beforeAll(async () => {
  questionnaires = await loadQuestionnaires('mappings/questionnaires');
});

const keuze = (
  voorkeur: QuestionnaireResponseItem['answer'],
  zekerheid: QuestionnaireResponseItem['answer'] = [{ valueCoding: { system: CERTAINTY, code: 'zeker' } }],
): QuestionnaireResponseItem[] => [
  {
    linkId: 'keuze',
    item: [
      { linkId: 'keuze-voorkeur', answer: voorkeur },
      ...(zekerheid ? [{ linkId: 'keuze-zekerheid', answer: zekerheid }] : []),
    ],
  },
];
const sdm = (codes: string[]): QuestionnaireResponseItem[] =>
  codes.map((c, i) => ({ linkId: `sdm-q9-${i + 1}`, answer: [{ valueCoding: { system: AGREEMENT, code: c } }] }));
const act = (values: unknown[]): QuestionnaireResponseItem[] =>
  values.map((v, i) => ({ linkId: `act-${i + 1}`, answer: [v as object] }));
const FIVE = [{ valueInteger: 3 }, { valueInteger: 3 }, { valueInteger: 3 }, { valueInteger: 3 }, { valueInteger: 3 }];

describe('validateAnswers', () => {
  it.each([
    [
      'keuzeformulier',
      keuze([
        {
          valueString: 'dosis verlagen',
          item: [{ linkId: 'keuze-voorkeur-toelichting', answer: [{ valueString: 'minder bijwerkingen' }] }],
        },
      ]),
    ],
    ['sdm-q9', sdm(['0', '1', '2', '3', '4', '5', '5', '5', '5'])],
    ['act', act(FIVE)],
    [
      'keuzeformulier',
      [
        ...keuze([{ valueString: 'x' }]),
        {
          linkId: 'belangrijk',
          item: [{ linkId: 'belangrijk-punt', answer: [{ valueString: 'sporten' }, { valueString: 'school' }] }],
        },
      ],
    ],
  ])('accepts a complete %s', (name, items) => {
    expect(validateAnswers(questionnaires.get(Q(name))!, items)).toEqual([]);
  });

  it.each([
    [
      'a required question without an answer',
      'keuzeformulier',
      keuze([{ valueString: 'x' }], null as never),
      'keuze-zekerheid',
      'required',
      /is required/,
    ],
    ['a required group left out', 'keuzeformulier', [], 'keuze', 'required', /is required/],
    [
      'an answer that is not one of the options',
      'sdm-q9',
      sdm(['0', '1', '7', '3', '4', '5', '5', '5', '5']),
      'sdm-q9-3',
      'value',
      /7 is not one of the answer options \(0, 1, 2, 3, 4, 5\)/,
    ],
    [
      'an answer of the wrong type',
      'act',
      act([{ valueString: 'vijf' }, ...FIVE.slice(1)]),
      'act-1',
      'value',
      /expects valueInteger/,
    ],
    [
      'a number above the maximum',
      'act',
      act([FIVE[0], { valueInteger: 9 }, ...FIVE.slice(2)]),
      'act-2',
      'value',
      /9 is above the maximum 5/,
    ],
    [
      'a number below the minimum',
      'act',
      act([...FIVE.slice(0, 4), { valueInteger: 0 }]),
      'act-5',
      'value',
      /0 is below the minimum 1/,
    ],
    [
      'a fraction where a whole number belongs',
      'act',
      act([{ valueInteger: 2.5 }, ...FIVE.slice(1)]),
      'act-1',
      'value',
      /not a valid valueInteger/,
    ],
    [
      'a text longer than maxLength',
      'keuzeformulier',
      keuze([{ valueString: 'x'.repeat(201) }]),
      'keuze-voorkeur',
      'value',
      /201 characters long; at most 200/,
    ],
    [
      'two answers to a question that does not repeat',
      'keuzeformulier',
      keuze([{ valueString: 'a' }, { valueString: 'b' }]),
      'keuze-voorkeur',
      'value',
      /has 2 answers but takes one/,
    ],
    [
      'an unknown linkId',
      'act',
      [...act(FIVE), { linkId: 'act-6', answer: [{ valueInteger: 1 }] }],
      'act-6',
      'structure',
      /not an item of the questionnaire/,
    ],
    [
      'a question given twice',
      'act',
      [...act(FIVE), { linkId: 'act-1', answer: [{ valueInteger: 1 }] }],
      'act-1',
      'structure',
      /appears 2 times/,
    ],
    ['an answer without a value', 'act', act([{}, ...FIVE.slice(1)]), 'act-1', 'value', /has no value/],
    [
      'a nested question outside answer.item',
      'keuzeformulier',
      [
        {
          linkId: 'keuze',
          item: [
            {
              linkId: 'keuze-voorkeur',
              answer: [{ valueString: 'x' }],
              item: [{ linkId: 'keuze-voorkeur-toelichting' }],
            },
            { linkId: 'keuze-zekerheid', answer: [{ valueCoding: { system: CERTAINTY, code: 'zeker' } }] },
          ],
        },
      ],
      'keuze-voorkeur',
      'structure',
      /belong in answer.item/,
    ],
    [
      'an answer on a group',
      'keuzeformulier',
      [{ linkId: 'keuze', answer: [{ valueString: 'x' }], item: keuze([{ valueString: 'x' }])[0]!.item }],
      'keuze',
      'structure',
      /takes no answer/,
    ],
  ])('names the linkId for %s', (_name, questionnaire, items, linkId, code, message) => {
    const problems = validateAnswers(questionnaires.get(Q(questionnaire))!, items as QuestionnaireResponseItem[]);
    expect(problems).toEqual([
      expect.objectContaining({
        code,
        message: expect.stringMatching(message),
        expression: expect.stringContaining(`linkId='${linkId}'`),
      }),
    ]);
    expect(problems[0]!.message.startsWith(`${linkId}: `)).toBe(true);
  });

  it('lists every problem at once, with the sender field when it is known', () => {
    const items = sdm(['9', '1', '2', '3', '4', '5', '5', '5']);
    const problems = validateAnswers(
      questionnaires.get(Q('sdm-q9'))!,
      items,
      (linkId) => `sdmq9.${linkId.replace('sdm-q9-', 'q')}`,
    );
    expect(problems.map((p) => p.message)).toEqual([
      'sdm-q9-1: 9 is not one of the answer options (0, 1, 2, 3, 4, 5) (field "sdmq9.q1")',
      'sdm-q9-9: is required and has no answer (field "sdmq9.q9")',
    ]);
  });

  it('accepts a coded answer given without its system (matched on the code)', () => {
    const items = sdm(['0', '1', '2', '3', '4', '5', '5', '5', '5']).map((item) => ({
      ...item,
      answer: [{ valueCoding: { code: item.answer![0]!.valueCoding!.code } }],
    }));
    expect(validateAnswers(questionnaires.get(Q('sdm-q9'))!, items)).toEqual([]);
  });
});
