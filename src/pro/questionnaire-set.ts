import type { Questionnaire } from '@medplum/fhirtypes';
import { extracts } from './extract-observations.js';
import { canonicalOf, isQuestion, walkItems } from './questionnaire-items.js';
import { SCORINGS, scoringCodeOf } from './score-questionnaire.js';

/** The Questionnaires the service knows, by canonical `url|version`. */
export interface QuestionnaireSet {
  get(canonical: string): Questionnaire | undefined;
  readonly list: readonly Questionnaire[];
}

/** A Questionnaire and where it came from, for messages. */
export interface NamedQuestionnaire {
  name: string;
  questionnaire: Questionnaire;
}

/** An empty set: for deployments whose decision aids return no results. */
export const NO_QUESTIONNAIRES: QuestionnaireSet = { get: () => undefined, list: [] };

/** Item types whose answers this service can check; others would pass unchecked, so they are refused at load. */
const SUPPORTED_TYPES = new Set([
  'group',
  'display',
  'boolean',
  'decimal',
  'integer',
  'date',
  'dateTime',
  'time',
  'string',
  'text',
  'url',
  'choice',
  'open-choice',
  'quantity',
]);

/** Builds the set; `problems` gets `name: message` for each Questionnaire the service could not use. */
export function createQuestionnaireSet(named: readonly NamedQuestionnaire[], problems: string[]): QuestionnaireSet {
  const byCanonical = new Map<string, Questionnaire>();
  for (const { name, questionnaire } of named) {
    const found = checkQuestionnaire(questionnaire);
    const canonical = canonicalOf(questionnaire);
    if (byCanonical.has(canonical)) found.push(`${canonical} is declared twice`);
    problems.push(...found.map((message) => `${name}: ${message}`));
    if (!found.length) byCanonical.set(canonical, questionnaire);
  }
  return { get: (canonical) => byCanonical.get(canonical), list: [...byCanonical.values()] };
}

/**
 * What makes a Questionnaire unusable here: no canonical url or version (results name it by
 * both), duplicate linkIds, choice items without answerOption (answers could not be checked),
 * extracted questions without a code, and a scoring that is unknown or misses its items.
 */
export function checkQuestionnaire(questionnaire: Questionnaire): string[] {
  const problems: string[] = [];
  if (questionnaire.resourceType !== 'Questionnaire')
    return [`resourceType must be Questionnaire, not ${String(questionnaire.resourceType)}`];
  if (!/^https?:\/\/\S+$/.test(questionnaire.url ?? ''))
    problems.push('url: an absolute http(s) canonical URL is required');
  if (!questionnaire.version?.trim())
    problems.push('version: required (results are read with the exact version they answered)');
  const seen = new Set<string>();
  walkItems(questionnaire, (item, ancestors) => {
    const where = `item ${item.linkId}`;
    if (seen.has(item.linkId)) problems.push(`${where}: linkId used more than once`);
    seen.add(item.linkId);
    if (!SUPPORTED_TYPES.has(item.type)) problems.push(`${where}: type ${item.type} is not supported`);
    if ((item.type === 'choice' || item.type === 'open-choice') && !item.answerOption?.length) {
      problems.push(`${where}: a ${item.type} item needs answerOption (answerValueSet is not expanded here)`);
    }
    if (isQuestion(item) && extracts(questionnaire, [...ancestors, item]) && !item.code?.length) {
      problems.push(`${where}: extracted as an Observation (observationExtract) but has no code`);
    }
  });
  const scoring = scoringCodeOf(questionnaire);
  if (scoring !== undefined) {
    const rule = SCORINGS[scoring];
    if (!rule) problems.push(`scoring: unknown scoring "${scoring}" (known: ${Object.keys(SCORINGS).join(', ')})`);
    for (const linkId of rule?.linkIds ?? [])
      if (!seen.has(linkId)) problems.push(`scoring ${scoring}: needs item ${linkId}`);
  }
  return problems;
}
