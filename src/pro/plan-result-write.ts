import type { Identifier } from '@medplum/fhirtypes';
import type { ResultJobData } from '../queue/job-types.js';
import { AppError } from '../shared/errors.js';
import { assertValidResource } from '../shared/fhir-definitions.js';
import { buildResultResources, uuidFrom, type BuiltResponse } from './build-result-resources.js';
import type { QuestionnaireSet } from './questionnaire-set.js';
import { validateAnswers } from './validate-answers.js';
import { withOptionCodings } from './with-option-codings.js';
import type { ConditionalEntry, ResultWritePlan } from './write-result.js';

/** A result ready to write: the plan for `writeResult` and what was built, for logs and audit. */
export interface PlannedResult {
  plan: ResultWritePlan;
  built: BuiltResponse[];
}

/**
 * Builds every resource of a result and checks each one, before anything is written. The answers
 * were checked at intake; they are checked again because the job may run after a restart with
 * other Questionnaire files, and a half-valid result must fail whole, not half-written.
 */
export function planResultWrite(
  job: ResultJobData,
  questionnaires: QuestionnaireSet,
  completedAt: string,
): PlannedResult {
  const built: BuiltResponse[] = [];
  const entries: ConditionalEntry[] = [];
  for (const draft of job.responses) {
    const questionnaire = questionnaires.get(draft.questionnaire);
    if (!questionnaire)
      throw new AppError(`Questionnaire ${draft.questionnaire} is not loaded`, {
        status: 500,
        retry: false,
        code: 'not-found',
      });
    const problems = validateAnswers(questionnaire, draft.item);
    if (problems.length)
      throw new AppError(`answers no longer match ${draft.questionnaire}`, { status: 422, retry: false, problems });
    // Bare option codes get the option's Coding here too, so the record shows the Dutch display.
    const complete = { ...draft, item: withOptionCodings(draft.item, questionnaire.item ?? []) };
    const result = buildResultResources(questionnaire, complete, {
      task: job.task,
      invitationId: job.invitationId,
      patient: job.patient,
      author: job.author.reference,
    });
    entries.push({
      fullUrl: result.fullUrl,
      resource: assertValidResource(result.response),
      ifNoneExist: identifierQuery(draft.identifier),
    });
    for (const observation of result.observations) {
      const identifier = observation.identifier?.[0] as Identifier;
      entries.push({
        fullUrl: `urn:uuid:${uuidFrom(`${identifier.system}|${identifier.value}`)}`,
        resource: assertValidResource(observation),
        ifNoneExist: identifierQuery(identifier),
      });
    }
    built.push(result);
  }
  return {
    plan: { task: job.task, patient: job.patient, entries, outputs: built.map((b) => b.fullUrl), completedAt },
    built,
  };
}

/** `identifier=system|value`, both encoded: values hold `/` and `#`. */
export function identifierQuery(identifier: Identifier): string {
  return `identifier=${encodeURIComponent(identifier.system ?? '')}|${encodeURIComponent(identifier.value ?? '')}`;
}
