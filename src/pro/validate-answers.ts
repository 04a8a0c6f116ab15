import type {
  Questionnaire,
  QuestionnaireItem,
  QuestionnaireResponseItem,
  QuestionnaireResponseItemAnswer,
} from '@medplum/fhirtypes';
import type { IssueCode, Problem } from '../shared/errors.js';
import { MAX_VALUE_EXTENSION, MIN_VALUE_EXTENSION } from './pro-codes.js';
import { extensionOf, isQuestion, optionKey } from './questionnaire-items.js';

/** Where an answer came from in the sender's JSON, so a problem can name that field too. */
export type FieldOf = (linkId: string) => string | undefined;

/** The answer element each item type takes (R4). `choice`/`open-choice` are decided by their options. */
const VALUE_KEY: Readonly<Record<string, string>> = {
  boolean: 'valueBoolean',
  decimal: 'valueDecimal',
  integer: 'valueInteger',
  date: 'valueDate',
  dateTime: 'valueDateTime',
  time: 'valueTime',
  string: 'valueString',
  text: 'valueString',
  url: 'valueUri',
  attachment: 'valueAttachment',
  reference: 'valueReference',
  quantity: 'valueQuantity',
};

/** Primitive formats, so a malformed value is a 422 here and not a refusal by the EPD later. */
const FORMAT: Readonly<Record<string, (v: unknown) => boolean>> = {
  valueBoolean: (v) => typeof v === 'boolean',
  valueInteger: (v) => Number.isInteger(v),
  valueDecimal: (v) => typeof v === 'number' && Number.isFinite(v),
  valueDate: (v) => typeof v === 'string' && /^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$/.test(v),
  valueDateTime: (v) =>
    typeof v === 'string' && /^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?)?)?$/.test(v),
  valueTime: (v) => typeof v === 'string' && /^([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?$/.test(v),
  valueString: (v) => typeof v === 'string' && v.trim() !== '',
  valueUri: (v) => typeof v === 'string' && /^\S+$/.test(v),
};

type Report = (linkId: string, code: IssueCode, message: string, expression: string) => void;

/**
 * Checks the items of a response against their Questionnaire: known linkIds at the right level,
 * required items answered, one answer unless the item repeats, the answer type of the item,
 * answer options, minValue/maxValue and maxLength. Returns every problem (empty: valid), each
 * naming the linkId; `enableWhen` is not evaluated, so an item that has it is never required.
 */
export function validateAnswers(
  questionnaire: Questionnaire,
  items: readonly QuestionnaireResponseItem[],
  fieldOf?: FieldOf,
): Problem[] {
  const problems: Problem[] = [];
  const report: Report = (linkId, code, message, expression) => {
    const field = fieldOf?.(linkId);
    problems.push({ code, message: `${linkId}: ${message}${field ? ` (field "${field}")` : ''}`, expression });
  };
  validateLevel(questionnaire.item ?? [], items, 'QuestionnaireResponse', report);
  return problems;
}

function validateLevel(
  definitions: readonly QuestionnaireItem[],
  given: readonly QuestionnaireResponseItem[] | undefined,
  path: string,
  report: Report,
): void {
  const known = new Set(definitions.map((d) => d.linkId));
  for (const item of given ?? []) {
    if (!known.has(item.linkId))
      report(
        item.linkId,
        'structure',
        'not an item of the questionnaire at this place',
        `${path}.item.where(linkId='${item.linkId}')`,
      );
  }
  for (const definition of definitions) {
    const expression = `${path}.item.where(linkId='${definition.linkId}')`;
    const instances = (given ?? []).filter((item) => item.linkId === definition.linkId);
    if (instances.length > 1 && !(definition.type === 'group' && definition.repeats)) {
      report(
        definition.linkId,
        'structure',
        `appears ${instances.length} times; give several answers in one item when the question repeats`,
        expression,
      );
    }
    if (instances.length === 0 && definition.required && !definition.enableWhen) {
      report(definition.linkId, 'required', 'is required and has no answer', expression);
    }
    for (const instance of instances) validateItem(definition, instance, expression, report);
  }
}

function validateItem(
  definition: QuestionnaireItem,
  item: QuestionnaireResponseItem,
  expression: string,
  report: Report,
): void {
  const answers = item.answer ?? [];
  if (!isQuestion(definition)) {
    if (answers.length) report(definition.linkId, 'structure', `a ${definition.type} item takes no answer`, expression);
    if (definition.type === 'group') {
      if (definition.required && !hasAnswer(item))
        report(definition.linkId, 'required', 'is a required group and none of its questions is answered', expression);
      validateLevel(definition.item ?? [], item.item, expression, report);
    }
    return;
  }
  if (item.item?.length)
    report(definition.linkId, 'structure', 'items nested under a question belong in answer.item', expression);
  if (answers.length === 0 && definition.required && !definition.enableWhen)
    report(definition.linkId, 'required', 'is required and has no answer', expression);
  if (answers.length > 1 && !definition.repeats)
    report(definition.linkId, 'value', `has ${answers.length} answers but takes one`, expression);
  for (const answer of answers) {
    const problem = answerProblem(definition, answer);
    if (problem) report(definition.linkId, 'value', problem, `${expression}.answer`);
    validateLevel(definition.item ?? [], answer.item, `${expression}.answer`, report);
  }
}

/** What is wrong with one answer, in words, or undefined. */
export function answerProblem(
  definition: QuestionnaireItem,
  answer: QuestionnaireResponseItemAnswer,
): string | undefined {
  const keys = Object.keys(answer).filter((k) => k.startsWith('value'));
  if (keys.length !== 1) return keys.length ? 'an answer has more than one value' : 'an answer has no value';
  const key = keys[0] as keyof QuestionnaireResponseItemAnswer;
  const allowed = allowedKeys(definition);
  if (!allowed.includes(key)) return `expects ${allowed.join(' or ')} (a ${definition.type} answer), not ${key}`;
  const value = answer[key];
  if (FORMAT[key] && !FORMAT[key](value)) return `${JSON.stringify(value)} is not a valid ${key}`;
  if ((definition.type === 'choice' || definition.type === 'open-choice') && key !== 'valueString')
    return optionProblem(definition, answer);
  if (definition.type === 'open-choice' && key === 'valueString') return undefined;
  return rangeProblem(definition, value);
}

function allowedKeys(definition: QuestionnaireItem): string[] {
  if (definition.type !== 'choice' && definition.type !== 'open-choice')
    return [VALUE_KEY[definition.type] ?? `value (${definition.type})`];
  const fromOptions = [
    ...new Set(
      (definition.answerOption ?? []).map((o) => Object.keys(o).find((k) => k.startsWith('value')) ?? 'valueCoding'),
    ),
  ];
  const keys = fromOptions.length ? fromOptions : ['valueCoding'];
  return definition.type === 'open-choice' && !keys.includes('valueString') ? [...keys, 'valueString'] : keys;
}

function optionProblem(definition: QuestionnaireItem, answer: QuestionnaireResponseItemAnswer): string | undefined {
  const options = definition.answerOption ?? [];
  const coding = answer.valueCoding;
  // A Coding without a system is matched on its code: platforms often send just the code.
  const matches =
    coding && !coding.system
      ? options.some((o) => o.valueCoding?.code === coding.code)
      : options.some((o) => optionKey(o) === optionKey(answer));
  if (matches) return undefined;
  const shown = coding ? coding.code : JSON.stringify(Object.values(answer).find((v) => v !== undefined));
  const allowed = options.map((o) => (o.valueCoding ? o.valueCoding.code : optionKey(o))).join(', ');
  return `${shown} is not one of the answer options (${allowed})`;
}

function rangeProblem(definition: QuestionnaireItem, value: unknown): string | undefined {
  if (typeof value === 'string' && definition.maxLength !== undefined && value.length > definition.maxLength) {
    return `is ${value.length} characters long; at most ${definition.maxLength} allowed`;
  }
  const min = limitOf(definition, MIN_VALUE_EXTENSION);
  const max = limitOf(definition, MAX_VALUE_EXTENSION);
  if (min !== undefined && compare(value, min) < 0) return `${JSON.stringify(value)} is below the minimum ${min}`;
  if (max !== undefined && compare(value, max) > 0) return `${JSON.stringify(value)} is above the maximum ${max}`;
  return undefined;
}

function limitOf(definition: QuestionnaireItem, url: string): number | string | undefined {
  const e = extensionOf(definition, url);
  return e?.valueInteger ?? e?.valueDecimal ?? e?.valueDate ?? e?.valueDateTime;
}

// Numbers compare as numbers; ISO dates of the same precision compare as text.
function compare(value: unknown, limit: number | string): number {
  if (typeof value === 'number' && typeof limit === 'number') return value - limit;
  if (typeof value === 'string' && typeof limit === 'string') return value < limit ? -1 : value > limit ? 1 : 0;
  return 0;
}

function hasAnswer(item: QuestionnaireResponseItem): boolean {
  return Boolean(item.answer?.length) || (item.item ?? []).some(hasAnswer);
}
