import type { QuestionnaireResponseItem } from '@medplum/fhirtypes';
import { loadQuestionnaires } from './load-questionnaires.js';
import type { QuestionnaireSet } from './questionnaire-set.js';
import { numericAnswers, scoreResponse } from './score-questionnaire.js';

const Q = (name: string) => `https://sdm-bridge.org/fhir/Questionnaire/${name}|1.0.0`;
const AGREEMENT = 'https://sdm-bridge.org/fhir/CodeSystem/agreement-scale';

let questionnaires: QuestionnaireSet;
beforeAll(async () => {
  questionnaires = await loadQuestionnaires('mappings/questionnaires');
});

const coded = (prefix: string, values: readonly number[]): QuestionnaireResponseItem[] =>
  values.map((v, i) => ({
    linkId: `${prefix}-${i + 1}`,
    answer: [{ valueCoding: { system: AGREEMENT, code: String(v) } }],
  }));
const integers = (prefix: string, values: readonly number[], from = 1): QuestionnaireResponseItem[] =>
  values.map((v, i) => ({ linkId: `${prefix}-${i + from}`, answer: [{ valueInteger: v }] }));
const score = (name: string, items: QuestionnaireResponseItem[]) => scoreResponse(questionnaires.get(Q(name))!, items);

describe('SDM-Q9: sum of nine answers 0–5, × 20/9, 0–100', () => {
  it.each([
    ['minimum', [0, 0, 0, 0, 0, 0, 0, 0, 0], 0],
    ['maximum', [5, 5, 5, 5, 5, 5, 5, 5, 5], 100],
    ['middle of the scale', [3, 3, 3, 3, 3, 3, 3, 3, 3], 60],
    ['mixed (raw 22)', [0, 1, 2, 3, 4, 5, 2, 3, 2], 48.9],
    ['one below the maximum (raw 44)', [5, 5, 5, 5, 5, 5, 5, 5, 4], 97.8],
  ])('%s: %j → %d', (_name, values, expected) => {
    for (const name of ['sdm-q9', 'sdm-q9-ouder']) {
      const [result] = score(name, coded('sdm-q9', values));
      expect(result).toMatchObject({ code: 'sdm-q9-total', value: expected, range: { low: 0, high: 100 } });
    }
  });

  it('gives no score when an item is unanswered (a partial sum would read as a low score)', () => {
    expect(score('sdm-q9', coded('sdm-q9', [5, 5, 5, 5, 5, 5, 5, 5]))).toEqual([]);
  });

  it('reads the number of a coded answer from its ordinalValue', () => {
    const numbers = numericAnswers(questionnaires.get(Q('sdm-q9'))!, coded('sdm-q9', [4]));
    expect(numbers.get('sdm-q9-1')).toBe(4);
  });
});

describe('C-ACT: 4 child items 0–3 and 3 parent items 0–5, total 0–27, cut-off 19', () => {
  const cact = (child: number[], parent: number[]): QuestionnaireResponseItem[] => [
    { linkId: 'c-act-kind', item: integers('c-act', child, 1) },
    { linkId: 'c-act-ouder', item: integers('c-act', parent, 5) },
  ];
  it.each([
    ['lowest', [0, 0, 0, 0], [0, 0, 0], 0, 'not-well-controlled'],
    ['19: the cut-off, not well controlled', [3, 3, 3, 1], [3, 3, 3], 19, 'not-well-controlled'],
    ['20: well controlled', [3, 3, 3, 2], [3, 3, 3], 20, 'well-controlled'],
    ['highest', [3, 3, 3, 3], [5, 5, 5], 27, 'well-controlled'],
  ])('%s: child %j, parent %j → %d, %s', (_name, child, parent, total, band) => {
    const [result] = score('c-act', cact(child, parent));
    expect(result).toMatchObject({
      code: 'c-act-total',
      value: total,
      band: { code: band },
      range: { low: 0, high: 27 },
    });
    expect(result!.sentence).toContain(`${total} van 27`);
  });
});

describe('ACT: five items 1–5, total 5–25', () => {
  it.each([
    [[1, 1, 1, 1, 1], 5, 'very-poorly-controlled'],
    [[3, 3, 3, 3, 3], 15, 'very-poorly-controlled'],
    [[4, 3, 3, 3, 3], 16, 'not-well-controlled'],
    [[4, 4, 4, 4, 3], 19, 'not-well-controlled'],
    [[4, 4, 4, 4, 4], 20, 'well-controlled'],
    [[5, 5, 5, 5, 5], 25, 'well-controlled'],
  ])('%j → %d, %s', (values, total, band) => {
    expect(score('act', integers('act', values))).toEqual([
      expect.objectContaining({ code: 'act-total', value: total, band: expect.objectContaining({ code: band }) }),
    ]);
  });
});

describe('CollaboRATE: mean of three items 0–9, and the top-box score (all three 9) as a score of its own', () => {
  it.each([
    [[9, 9, 9], 9, 1, 'topscore: ja'],
    [[9, 9, 8], 8.7, 0, 'topscore: nee'],
    [[0, 4, 5], 3, 0, 'topscore: nee'],
  ])('%j → mean %d, top box %d', (values, mean, topBox, sentence) => {
    const [meanScore, topScore] = score('collaborate', integers('collaborate', values));
    expect(meanScore).toMatchObject({ code: 'collaborate-mean', value: mean });
    expect(topScore).toMatchObject({ code: 'collaborate-top-box', value: topBox, range: { low: 0, high: 1 } });
    expect(topScore!.sentence).toContain(sentence);
  });
});

it('a Questionnaire without a scoring gives no score', () => {
  expect(
    score('keuzeformulier', [
      { linkId: 'keuze', item: [{ linkId: 'keuze-voorkeur', answer: [{ valueString: 'x' }] }] },
    ]),
  ).toEqual([]);
});
