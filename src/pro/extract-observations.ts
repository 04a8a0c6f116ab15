import type {
  CodeableConcept,
  Observation,
  Questionnaire,
  QuestionnaireItem,
  QuestionnaireResponse,
  QuestionnaireResponseItem,
  QuestionnaireResponseItemAnswer,
} from '@medplum/fhirtypes';
import {
  QUESTIONNAIRE_UNIT_EXTENSION,
  RESULT_OBSERVATION_ID_SYSTEM,
  SDC_EXTRACT_CATEGORY,
  SDC_OBSERVATION_EXTRACT,
  SURVEY_CATEGORY,
} from './pro-codes.js';
import { extensionOf, isQuestion } from './questionnaire-items.js';
import { html, xhtmlNarrative } from '../shared/xhtml-narrative.js';
import { answerText, dutchDate, filledInBy, questionText } from './result-narrative.js';

/** What extraction needs besides the Questionnaire: the response and how to point at it. */
export interface ExtractionInput {
  questionnaire: Questionnaire;
  /** The response as it will be written: subject, author, authored and items are read. */
  response: QuestionnaireResponse;
  /** `urn:uuid:…` inside a transaction, or `QuestionnaireResponse/id`. */
  responseReference: string;
  /** Start of every Observation identifier value; deterministic per response, so a retry finds them. */
  identifierPrefix: string;
  /** linkIds (groups or questions) the patient answered though a parent filled in the rest (the C-ACT child part). */
  patientItems?: ReadonlySet<string>;
}

/** The parts every Observation made from a response shares. */
export type ObservationBase = Pick<
  Observation,
  'resourceType' | 'status' | 'subject' | 'effectiveDateTime' | 'performer' | 'derivedFrom'
>;

/**
 * SDC observation-based extraction: one Observation per answer of every question whose nearest
 * `observationExtract` (on the item, an ancestor group or question, or the Questionnaire) is true
 * and that has `item.code`. Groups, repeating groups and questions nested under answers are
 * walked; the answer type decides value[x]; answers that cannot be an Observation value
 * (attachment, reference) are left in the QuestionnaireResponse only.
 */
export function extractObservations(input: ExtractionInput): Observation[] {
  const found: Observation[] = [];
  const walk = (
    definitions: readonly QuestionnaireItem[] | undefined,
    given: readonly QuestionnaireResponseItem[] | undefined,
    ancestors: QuestionnaireItem[],
    path: string,
  ) => {
    for (const definition of definitions ?? []) {
      const instances = (given ?? []).filter((item) => item.linkId === definition.linkId);
      instances.forEach((instance, index) => {
        const chain = [...ancestors, definition];
        const here = `${path}${definition.linkId}${definition.repeats && !isQuestion(definition) ? `[${index}]` : ''}`;
        if (!isQuestion(definition)) {
          walk(definition.item, instance.item, chain, `${here}/`);
          return;
        }
        (instance.answer ?? []).forEach((answer, n) => {
          const key = definition.repeats ? `${here}#${n}` : here;
          if (extracts(input.questionnaire, chain) && definition.code?.length) {
            const observation = answerObservation(input, definition, chain, answer, key);
            if (observation) found.push(observation);
          }
          walk(definition.item, answer.item, chain, `${key}/`);
        });
      });
    }
  };
  walk(input.questionnaire.item, input.response.item, [], '');
  return found;
}

/** The shared parts: final, the response's subject, time and author, derived from the response. */
export function observationBase(response: QuestionnaireResponse, responseReference: string): ObservationBase {
  return {
    resourceType: 'Observation',
    status: 'final',
    ...(response.subject?.reference
      ? { subject: { reference: response.subject.reference, type: 'Patient' as const } }
      : {}),
    ...(response.authored ? { effectiveDateTime: response.authored } : {}),
    ...(response.author?.reference
      ? {
          performer: [
            { reference: response.author.reference, ...(response.author.type ? { type: response.author.type } : {}) },
          ],
        }
      : {}),
    derivedFrom: [{ reference: responseReference, type: 'QuestionnaireResponse' }],
  };
}

function answerObservation(
  input: ExtractionInput,
  definition: QuestionnaireItem,
  chain: readonly QuestionnaireItem[],
  answer: QuestionnaireResponseItemAnswer,
  key: string,
): Observation | undefined {
  const value = observationValue(definition, answer);
  if (!value) return undefined;
  const { response, questionnaire } = input;
  // Why per item: the C-ACT child part is the child's own answer, even when a parent sent the form.
  const byPatient = chain.some((level) => input.patientItems?.has(level.linkId));
  const base = observationBase(response, input.responseReference);
  const performer: Observation['performer'] =
    byPatient && base.subject?.reference ? [{ reference: base.subject.reference, type: 'Patient' }] : base.performer;
  return {
    ...base,
    ...(performer ? { performer } : {}),
    text: xhtmlNarrative([
      html`<b>${questionText(definition)}</b>`,
      `Antwoord van ${filledInBy(performer?.[0]?.reference ?? '')}: ${answerText(answer)}`,
      `Uit de vragenlijst '${questionnaire.title ?? questionnaire.name ?? ''}', ingevuld op ${dutchDate(response.authored ?? '')}.`,
    ]),
    identifier: [{ system: RESULT_OBSERVATION_ID_SYSTEM, value: `${input.identifierPrefix}/${key}` }],
    category: categoriesOf(questionnaire, chain),
    code: { coding: definition.code, ...(definition.text ? { text: definition.text } : {}) },
    ...value,
  };
}

/** The nearest `observationExtract` wins (item, then its ancestors, then the Questionnaire); a code value counts as true. */
export function extracts(questionnaire: Questionnaire, chain: readonly QuestionnaireItem[]): boolean {
  for (const level of [...chain].reverse()) {
    const e = extensionOf(level, SDC_OBSERVATION_EXTRACT);
    if (e) return e.valueBoolean ?? e.valueCode !== undefined;
  }
  const root = extensionOf(questionnaire, SDC_OBSERVATION_EXTRACT);
  return root ? (root.valueBoolean ?? root.valueCode !== undefined) : false;
}

/** `survey`, plus the categories of the nearest level that declares extract categories. */
export function categoriesOf(questionnaire: Questionnaire, chain: readonly QuestionnaireItem[]): CodeableConcept[] {
  const levels = [...[...chain].reverse(), questionnaire];
  const declared =
    levels
      .map((level) => (level.extension ?? []).filter((e) => e.url === SDC_EXTRACT_CATEGORY))
      .find((list) => list.length) ?? [];
  const all: CodeableConcept[] = [
    { coding: [{ ...SURVEY_CATEGORY }] },
    ...declared.flatMap((e) => (e.valueCodeableConcept ? [e.valueCodeableConcept] : [])),
  ];
  const seen = new Set<string>();
  return all.filter((concept) => {
    const key = (concept.coding ?? []).map((c) => `${c.system}|${c.code}`).join(',');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The Observation value[x] of an answer; a number with a `questionnaire-unit` becomes a Quantity. */
export function observationValue(
  definition: QuestionnaireItem,
  answer: QuestionnaireResponseItemAnswer,
): Partial<Observation> | undefined {
  const unit = extensionOf(definition, QUESTIONNAIRE_UNIT_EXTENSION)?.valueCoding;
  const quantity = (value: number) => ({
    valueQuantity: {
      value,
      ...(unit ? { unit: unit.display ?? unit.code, system: unit.system, code: unit.code } : {}),
    },
  });
  if (answer.valueCoding)
    return {
      valueCodeableConcept: {
        coding: [answer.valueCoding],
        ...(answer.valueCoding.display ? { text: answer.valueCoding.display } : {}),
      },
    };
  if (answer.valueBoolean !== undefined) return { valueBoolean: answer.valueBoolean };
  if (answer.valueInteger !== undefined)
    return unit ? quantity(answer.valueInteger) : { valueInteger: answer.valueInteger };
  if (answer.valueDecimal !== undefined) return quantity(answer.valueDecimal);
  if (answer.valueQuantity) return { valueQuantity: answer.valueQuantity };
  if (answer.valueDate !== undefined) return { valueDateTime: answer.valueDate };
  if (answer.valueDateTime !== undefined) return { valueDateTime: answer.valueDateTime };
  if (answer.valueTime !== undefined) return { valueTime: answer.valueTime };
  if (answer.valueString !== undefined) return { valueString: answer.valueString };
  if (answer.valueUri !== undefined) return { valueString: answer.valueUri };
  return undefined;
}
