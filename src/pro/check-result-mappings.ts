import type { Questionnaire, QuestionnaireItem } from '@medplum/fhirtypes';
import type { CompiledMappings } from '../rules/compile-mappings.js';
import type { MappingIssue } from '../rules/mapping-error.js';
import type { ResultQuestionnaireMapping } from '../rules/types.js';
import { MAX_VALUE_EXTENSION, MIN_VALUE_EXTENSION } from './pro-codes.js';
import { extensionOf, isQuestion, itemsByLinkId, optionKey, walkItems } from './questionnaire-items.js';
import type { QuestionnaireSet } from './questionnaire-set.js';

/** Shorter shared secrets are guessable by brute force over the network (the intake rule, too). */
const MIN_RESULTS_SECRET_LENGTH = 16;

/**
 * Checks the `results` of every decision aid against the loaded Questionnaires, at start: the
 * credential is long enough; each named Questionnaire exists; a guardian wording has the same
 * questions, types and options (the answers are checked against either); every mapped linkId is
 * a question; and no required question is left unmapped, which would make every result fail.
 */
export function checkResultMappings(mappings: CompiledMappings, questionnaires: QuestionnaireSet): MappingIssue[] {
  const issues: MappingIssue[] = [];
  for (const aid of mappings.decisionAids.values()) {
    const secret = aid.results
      ? aid.results.auth.type === 'bearer'
        ? aid.results.auth.token
        : aid.results.auth.secret
      : undefined;
    if (secret !== undefined && secret.length < MIN_RESULTS_SECRET_LENGTH) {
      issues.push({
        file: `decision aid ${aid.id}`,
        field: 'results.auth',
        message: `the credential is shorter than ${MIN_RESULTS_SECRET_LENGTH} characters (try: openssl rand -hex 32)`,
      });
    }
    aid.results?.questionnaires.forEach((mapping, index) => {
      const report = (field: string, message: string): void => {
        issues.push({
          file: `decision aid ${aid.id}`,
          field: `results.questionnaires[${index}]${field ? `.${field}` : ''}`,
          message,
        });
      };
      const main = questionnaires.get(mapping.questionnaire);
      if (main) checkAnswers(main, mapping, report);
      if (main) checkPatientItems(main, mapping, report);
      else report('questionnaire', `${mapping.questionnaire} is not in the questionnaire files`);
      if (!main || !mapping.guardianQuestionnaire) return;
      const guardian = questionnaires.get(mapping.guardianQuestionnaire);
      const difference = guardian ? firstDifference(shapeOf(main), shapeOf(guardian)) : undefined;
      if (!guardian)
        report('guardianQuestionnaire', `${mapping.guardianQuestionnaire} is not in the questionnaire files`);
      else if (difference)
        report(
          'guardianQuestionnaire',
          `differs from ${mapping.questionnaire} at ${difference}: both must ask the same questions`,
        );
    });
  }
  return issues;
}

function checkAnswers(
  questionnaire: Questionnaire,
  mapping: ResultQuestionnaireMapping,
  report: (field: string, message: string) => void,
): void {
  const items = itemsByLinkId(questionnaire);
  for (const linkId of Object.keys(mapping.answers)) {
    const item = items.get(linkId);
    if (!item) report(`answers.${linkId}`, `${linkId} is not a linkId of ${mapping.questionnaire}`);
    else if (!isQuestion(item)) report(`answers.${linkId}`, `${linkId} is a ${item.type} item and takes no answer`);
  }
  walkItems(questionnaire, (item, ancestors) => {
    const alwaysAsked = ancestors.every((a) => a.type === 'group' && a.required);
    if (isQuestion(item) && item.required && !item.enableWhen && alwaysAsked && !(item.linkId in mapping.answers)) {
      report('answers', `required question ${item.linkId} is not mapped, so no result could be complete`);
    }
  });
}

/** `patientItems` name items of the Questionnaire, and make sense only where a parent may answer. */
function checkPatientItems(
  questionnaire: Questionnaire,
  mapping: ResultQuestionnaireMapping,
  report: (field: string, message: string) => void,
): void {
  const items = itemsByLinkId(questionnaire);
  for (const linkId of mapping.patientItems ?? []) {
    if (!items.has(linkId)) report('patientItems', `${linkId} is not a linkId of ${mapping.questionnaire}`);
  }
  if (mapping.patientItems?.length && mapping.answeredBy && !mapping.answeredBy.guardian)
    report('patientItems', 'only a parent or guardian answers for the patient; answeredBy names no guardian');
}

/** What must match between two wordings: everything but the texts. */
function shapeOf(questionnaire: Questionnaire): string[] {
  const shape: string[] = [];
  walkItems(questionnaire, (item: QuestionnaireItem, ancestors) => {
    const limits = [extensionOf(item, MIN_VALUE_EXTENSION), extensionOf(item, MAX_VALUE_EXTENSION)].map(
      (e) => e?.valueInteger ?? e?.valueDecimal ?? '',
    );
    const options = (item.answerOption ?? []).map(optionKey).join(',');
    shape.push(
      `${[...ancestors.map((a) => a.linkId), item.linkId].join('/')} ${item.type} ${item.required ?? false} ${item.repeats ?? false} [${options}] ${limits.join('..')}`,
    );
  });
  return shape;
}

function firstDifference(a: readonly string[], b: readonly string[]): string | undefined {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return (a[i] ?? b[i] ?? '').split(' ')[0];
  }
  return undefined;
}
