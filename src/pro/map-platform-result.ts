import type { QuestionnaireItem, QuestionnaireResponseItem, QuestionnaireResponseItemAnswer } from '@medplum/fhirtypes';
import type { ResultResponseDraft } from '../queue/job-types.js';
import type { RecipientRole, ResultQuestionnaireMapping, ResultsConfig } from '../rules/types.js';
import { AppError, type Problem } from '../shared/errors.js';
import { RESULT_ID_SYSTEM } from './pro-codes.js';
import type { QuestionnaireSet } from './questionnaire-set.js';
import { readDotPath } from './read-dot-path.js';

/** A platform's JSON result with what is needed to turn it into responses. */
export interface PlatformResultInput {
  json: unknown;
  results: ResultsConfig;
  aidId: string;
  /** Who the invitation went to: a guardian gets the guardian wording of a Questionnaire. */
  role: RecipientRole;
  receivedAt: string;
  /** Result id when the JSON has none at `resultIdField` (a Koppeltaal Task's output). */
  fallbackResultId?: string;
  questionnaires: QuestionnaireSet;
}

/** The responses made from the JSON, the problems found, and linkId → JSON field for messages. */
export interface MappedResult {
  drafts: ResultResponseDraft[];
  problems: Problem[];
  fieldOf: Map<string, string>;
}

/** FHIR dateTime with a time needs a zone; without one the moment is ambiguous. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Turns a platform's JSON into one response per mapped Questionnaire, following the Questionnaire's
 * structure (groups, nested questions) and its answer types. A value of the wrong kind is carried
 * as what it is, so checking the answers names it; a questionnaire marked `optional` whose fields
 * are all absent is left out.
 */
export function mapPlatformResult(input: PlatformResultInput): MappedResult {
  const { json, results } = input;
  const problems: Problem[] = [];
  const fieldOf = new Map<string, string>();
  const rawId = readDotPath(json, results.resultIdField);
  const resultId =
    typeof rawId === 'string' || typeof rawId === 'number' ? String(rawId).trim() : input.fallbackResultId;
  if (!resultId)
    problems.push({
      code: 'required',
      message: `field "${results.resultIdField}": the platform's id of this result is required`,
      expression: results.resultIdField,
    });
  const authored = readAuthored(json, results.authoredField, input.receivedAt, problems);
  const drafts: ResultResponseDraft[] = [];
  for (const mapping of results.questionnaires) {
    for (const [linkId, field] of Object.entries(mapping.answers)) fieldOf.set(linkId, field);
    const canonical =
      input.role === 'guardian' && mapping.guardianQuestionnaire
        ? mapping.guardianQuestionnaire
        : mapping.questionnaire;
    const questionnaire = input.questionnaires.get(canonical);
    if (!questionnaire)
      throw new AppError(`Questionnaire ${canonical} of decision aid ${input.aidId} is not loaded`, {
        status: 500,
        retry: false,
      });
    if (mapping.optional && !Object.values(mapping.answers).some((field) => isGiven(readDotPath(json, field))))
      continue;
    const item = buildItems(questionnaire.item ?? [], mapping, json);
    const value = `${input.aidId}/${resultId ?? ''}/${questionnaireName(mapping.questionnaire)}`;
    drafts.push({ identifier: { system: RESULT_ID_SYSTEM, value }, questionnaire: canonical, authored, item });
  }
  return { drafts, problems, fieldOf };
}

function readAuthored(json: unknown, field: string | undefined, receivedAt: string, problems: Problem[]): string {
  const value = field ? readDotPath(json, field) : undefined;
  if (!isGiven(value)) return receivedAt;
  if (typeof value === 'string' && DATE_TIME.test(value) && !Number.isNaN(Date.parse(value))) return value;
  problems.push({
    code: 'value',
    message: `field "${field}": ${JSON.stringify(value)} is not a date-time with a time zone (ISO 8601)`,
    expression: field,
  });
  return receivedAt;
}

function buildItems(
  definitions: readonly QuestionnaireItem[],
  mapping: ResultQuestionnaireMapping,
  json: unknown,
): QuestionnaireResponseItem[] {
  const items: QuestionnaireResponseItem[] = [];
  for (const definition of definitions) {
    if (definition.type === 'display') continue;
    if (definition.type === 'group') {
      const children = buildItems(definition.item ?? [], mapping, json);
      if (children.length)
        items.push({
          linkId: definition.linkId,
          ...(definition.text ? { text: definition.text } : {}),
          item: children,
        });
      continue;
    }
    const field = mapping.answers[definition.linkId];
    const raw = field === undefined ? undefined : readDotPath(json, field);
    if (!isGiven(raw)) continue;
    const answers = (Array.isArray(raw) ? raw : [raw]).filter(isGiven).map((value) => toAnswer(definition, value));
    const nested = buildItems(definition.item ?? [], mapping, json);
    if (nested.length && answers[0]) answers[0] = { ...answers[0], item: nested };
    items.push({ linkId: definition.linkId, ...(definition.text ? { text: definition.text } : {}), answer: answers });
  }
  return items;
}

/** The answer for a JSON value: the item's answer type when the value fits, else the value as what it is. */
export function toAnswer(definition: QuestionnaireItem, value: unknown): QuestionnaireResponseItemAnswer {
  const text = typeof value === 'string' ? value : undefined;
  switch (definition.type) {
    case 'boolean':
      return typeof value === 'boolean' ? { valueBoolean: value } : asIs(value);
    case 'integer':
    case 'decimal':
      if (typeof value !== 'number') return asIs(value);
      return definition.type === 'decimal' || !Number.isInteger(value)
        ? { valueDecimal: value }
        : { valueInteger: value };
    case 'date':
      return text !== undefined ? { valueDate: text } : asIs(value);
    case 'dateTime':
      return text !== undefined ? { valueDateTime: text } : asIs(value);
    case 'time':
      return text !== undefined ? { valueTime: text } : asIs(value);
    case 'url':
      return text !== undefined ? { valueUri: text } : asIs(value);
    case 'quantity':
      return typeof value === 'number' ? { valueQuantity: { value } } : asIs(value);
    case 'choice':
    case 'open-choice':
      return choiceAnswer(definition, value);
    default:
      return asIs(value);
  }
}

// Platforms send the code of an option (`"4"` or `4`); the answer gets the option's full value.
function choiceAnswer(definition: QuestionnaireItem, value: unknown): QuestionnaireResponseItemAnswer {
  if (typeof value !== 'string' && typeof value !== 'number') return asIs(value);
  const key = String(value);
  const option = (definition.answerOption ?? []).find((o) =>
    o.valueCoding
      ? o.valueCoding.code === key
      : String(o.valueString ?? o.valueInteger ?? o.valueDate ?? o.valueTime ?? '') === key,
  );
  if (option?.valueCoding) return { valueCoding: option.valueCoding };
  if (option) return asIs(option.valueString ?? option.valueInteger ?? option.valueDate ?? option.valueTime);
  if (definition.type === 'open-choice' && typeof value === 'string') return { valueString: value };
  const system = definition.answerOption?.find((o) => o.valueCoding)?.valueCoding?.system;
  return { valueCoding: { ...(system ? { system } : {}), code: key } };
}

/** A JSON scalar as the FHIR value of its own kind; anything else as a string so the check can name it. */
function asIs(value: unknown): QuestionnaireResponseItemAnswer {
  if (typeof value === 'boolean') return { valueBoolean: value };
  if (typeof value === 'number') return Number.isInteger(value) ? { valueInteger: value } : { valueDecimal: value };
  if (typeof value === 'string') return { valueString: value };
  return { valueAttachment: { title: `(${Array.isArray(value) ? 'a list' : 'an object'}, not a value)` } };
}

/** Absent, null and blank text count as "not answered". */
function isGiven(value: unknown): boolean {
  return value !== undefined && value !== null && !(typeof value === 'string' && value.trim() === '');
}

/** The last path segment of a canonical URL (`…/Questionnaire/sdm-q9|1.0.0` → `sdm-q9`). */
export function questionnaireName(canonical: string): string {
  return (canonical.split('|')[0] ?? canonical).split('/').pop() ?? canonical;
}
