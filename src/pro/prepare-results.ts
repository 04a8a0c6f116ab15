import { join } from 'node:path';
import type { CompiledMappings } from '../rules/compile-mappings.js';
import { MappingError } from '../rules/mapping-error.js';
import { checkResultMappings } from './check-result-mappings.js';
import { loadQuestionnaires, QUESTIONNAIRES_SUBDIR } from './load-questionnaires.js';
import type { QuestionnaireSet } from './questionnaire-set.js';

/**
 * Loads the Questionnaires (`<mappings>/questionnaires/*.json`) and checks the `results` of the
 * mapping files against them, once at start: a result must never be the first to find out that a
 * mapping names a question that does not exist. Throws a QuestionnaireError or a MappingError.
 */
export async function prepareResults(mappingsDir: string, mappings: CompiledMappings): Promise<QuestionnaireSet> {
  const questionnaires = await loadQuestionnaires(join(mappingsDir, QUESTIONNAIRES_SUBDIR));
  const issues = checkResultMappings(mappings, questionnaires);
  if (issues.length) throw new MappingError(issues);
  return questionnaires;
}
