import type { Questionnaire } from '@medplum/fhirtypes';
import type { ResultQuestionnaireMapping, StoragePolicy } from '../rules/types.js';
import { scoringCodeOf } from './score-questionnaire.js';

/**
 * Scorings of instruments in which the patient or parent rates the clinician and the consult, not
 * the patient's health: SDM-Q9 and CollaboRATE. Their item answers do not belong in the child's
 * medical record (seen in the patient portal, kept as long as the record): only their score is
 * written there, unless the mapping file says otherwise.
 */
export const CLINICIAN_RATING_SCORINGS: ReadonlySet<string> = new Set(['sdm-q9-total', 'collaborate-mean']);

/** Everything, as before storage policies existed: a job queued by an older version keeps its meaning. */
export const STORE_EVERYTHING: Readonly<StoragePolicy> = Object.freeze({ response: true, scores: true, items: true });

/**
 * What a questionnaire writes to the record: the mapping file's `store`, each part left out taking
 * its default. Defaults: a rating of the clinician (CLINICIAN_RATING_SCORINGS) writes its scores
 * only; any other questionnaire writes its response, its scores and its extracted answers.
 */
export function storagePolicyOf(
  mapping: Pick<ResultQuestionnaireMapping, 'store'> | undefined,
  questionnaire: Questionnaire,
): StoragePolicy {
  const rating = CLINICIAN_RATING_SCORINGS.has(scoringCodeOf(questionnaire) ?? '');
  const defaults: StoragePolicy = rating ? { response: false, scores: true, items: false } : STORE_EVERYTHING;
  return { ...defaults, ...mapping?.store };
}
