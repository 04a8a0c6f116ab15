import type {
  Questionnaire,
  QuestionnaireItem,
  QuestionnaireResponseItem,
  QuestionnaireResponseItemAnswer,
} from '@medplum/fhirtypes';
import { ASTHMA_CONTROL_SYSTEM, ORDINAL_VALUE_EXTENSION, SCORING_EXTENSION } from './pro-codes.js';
import { extensionOf, itemsByLinkId, optionKey } from './questionnaire-items.js';

/** One computed score, ready to become an Observation (code in PRO_SCORE_SYSTEM). */
export interface ComputedScore {
  code: string;
  /** Dutch name of the score, as the Observation's code display. */
  display: string;
  value: number;
  /** The lowest and highest score possible. */
  range: { low: number; high: number };
  /** How the value is read clinically, when the instrument defines bands (a code of ASTHMA_CONTROL_SYSTEM). */
  band?: { system: string; code: string; display: string };
  /** One Dutch sentence for the narrative (plain text). */
  sentence: string;
}

/** A scoring rule: the linkIds it needs (all answered, or no score) and how it computes (one score or more). */
interface Scoring {
  linkIds: readonly string[];
  score(values: readonly number[]): ComputedScore | ComputedScore[];
}

const range = (prefix: string, from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => `${prefix}-${from + i}`);
const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);
/** Scores are shown with one decimal: finer than that suggests a precision the instruments do not have. */
const oneDecimal = (value: number) => Math.round(value * 10) / 10;
/** A score as a Dutch reader writes it in a sentence (decimal comma). */
const dutch = (value: number) => value.toLocaleString('nl-NL', { maximumFractionDigits: 1 });

/** Code of the CollaboRATE top-box score: 1 when all three answers are 9, else 0. */
export const COLLABORATE_TOP_BOX = 'collaborate-top-box';

const WELL = { system: ASTHMA_CONTROL_SYSTEM, code: 'well-controlled', display: 'astma goed onder controle' };
const NOT_WELL = {
  system: ASTHMA_CONTROL_SYSTEM,
  code: 'not-well-controlled',
  display: 'astma onvoldoende onder controle',
};
const VERY_POORLY = {
  system: ASTHMA_CONTROL_SYSTEM,
  code: 'very-poorly-controlled',
  display: 'astma slecht onder controle',
};

/**
 * The scorings a Questionnaire can name in its `scoring` extension. Bands: ACT 20 or more well
 * controlled, 16–19 not well, 15 or less very poorly controlled; C-ACT 20 or more well controlled,
 * 19 or less not (the published cut-off of the childhood test).
 */
export const SCORINGS: Readonly<Record<string, Scoring>> = {
  'sdm-q9-total': {
    linkIds: range('sdm-q9', 1, 9),
    score: (values) => {
      const value = oneDecimal((sum(values) * 20) / 9); // raw 0–45 → 0–100
      return {
        code: 'sdm-q9-total',
        display: 'SDM-Q9 totaalscore',
        value,
        range: { low: 0, high: 100 },
        sentence: `SDM-Q9 totaalscore: ${dutch(value)} van 100 (0 = de beslissing voelde helemaal niet gedeeld, 100 = volledig gedeeld).`,
      };
    },
  },
  // Why two scores: the top-box score (all three answers 9) is CollaboRATE's validated way to
  // count a consult as shared (Barr et al. 2014); the mean is kept for the clinician reading it.
  'collaborate-mean': {
    linkIds: range('collaborate', 1, 3),
    score: (values) => {
      const value = oneDecimal(sum(values) / values.length);
      const top = values.every((v) => v === 9);
      return [
        {
          code: 'collaborate-mean',
          display: 'CollaboRATE gemiddelde score',
          value,
          range: { low: 0, high: 9 },
          sentence: `CollaboRATE: gemiddeld ${dutch(value)} van 9.`,
        },
        {
          code: COLLABORATE_TOP_BOX,
          display: 'CollaboRATE topscore',
          value: top ? 1 : 0,
          range: { low: 0, high: 1 },
          sentence: `CollaboRATE topscore: ${top ? 'ja (op alle drie de vragen 9)' : 'nee (niet op alle drie de vragen 9)'}.`,
        },
      ];
    },
  },
  'act-total': {
    linkIds: range('act', 1, 5),
    score: (values) => {
      const value = sum(values);
      const band = value >= 20 ? WELL : value >= 16 ? NOT_WELL : VERY_POORLY;
      return {
        code: 'act-total',
        display: 'ACT totaalscore',
        value,
        range: { low: 5, high: 25 },
        band,
        sentence: `ACT totaalscore: ${value} van 25, ${band.display}.`,
      };
    },
  },
  'c-act-total': {
    linkIds: range('c-act', 1, 7),
    score: (values) => {
      const value = sum(values);
      const band = value >= 20 ? WELL : NOT_WELL;
      return {
        code: 'c-act-total',
        display: 'C-ACT totaalscore',
        value,
        range: { low: 0, high: 27 },
        band,
        sentence: `C-ACT totaalscore: ${value} van 27, ${band.display}.`,
      };
    },
  },
};

/** The scoring a Questionnaire names (its `scoring` extension), if any. */
export function scoringCodeOf(questionnaire: Questionnaire): string | undefined {
  return extensionOf(questionnaire, SCORING_EXTENSION)?.valueCode;
}

/**
 * The scores of a response. No score when an item the scoring needs has no numeric answer: a
 * total over fewer items would look like a low score, not like a missing one.
 */
export function scoreResponse(
  questionnaire: Questionnaire,
  items: readonly QuestionnaireResponseItem[],
): ComputedScore[] {
  const code = scoringCodeOf(questionnaire);
  const scoring = code ? SCORINGS[code] : undefined;
  if (!scoring) return [];
  const numbers = numericAnswers(questionnaire, items);
  const values = scoring.linkIds.map((linkId) => numbers.get(linkId));
  if (values.some((v) => v === undefined)) return [];
  return [scoring.score(values as number[])].flat();
}

/** linkId → the number of its first answer: integer/decimal as is, a Coding by its option's ordinalValue (else a numeric code). */
export function numericAnswers(
  questionnaire: Questionnaire,
  items: readonly QuestionnaireResponseItem[],
): Map<string, number> {
  const definitions = itemsByLinkId(questionnaire);
  const numbers = new Map<string, number>();
  const walk = (list: readonly QuestionnaireResponseItem[] | undefined) => {
    for (const item of list ?? []) {
      const answer = item.answer?.[0];
      const value = answer && numberOf(answer, definitions.get(item.linkId));
      if (value !== undefined && !numbers.has(item.linkId)) numbers.set(item.linkId, value);
      walk(item.item);
      for (const a of item.answer ?? []) walk(a.item);
    }
  };
  walk(items);
  return numbers;
}

function numberOf(
  answer: QuestionnaireResponseItemAnswer,
  definition: QuestionnaireItem | undefined,
): number | undefined {
  if (answer.valueInteger !== undefined) return answer.valueInteger;
  if (answer.valueDecimal !== undefined) return answer.valueDecimal;
  if (!answer.valueCoding) return undefined;
  const key = optionKey({ valueCoding: answer.valueCoding });
  const option = definition?.answerOption?.find((o) => optionKey(o) === key);
  const ordinal = extensionOf(option, ORDINAL_VALUE_EXTENSION)?.valueDecimal;
  if (ordinal !== undefined) return ordinal;
  const numeric = Number(answer.valueCoding.code);
  return answer.valueCoding.code !== undefined && answer.valueCoding.code !== '' && Number.isFinite(numeric)
    ? numeric
    : undefined;
}
