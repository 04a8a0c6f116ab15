import type { EpdClient } from '../epd/epd-client.js';
import type { JobContext } from '../queue/create-worker.js';
import type { ResultJobData } from '../queue/job-types.js';
import { planResultWrite } from './plan-result-write.js';
import type { QuestionnaireSet } from './questionnaire-set.js';
import { writeResult, type ResultWriteOutcome } from './write-result.js';

/** Results jobs handled at once per worker: each is 3–6 EPD requests, so a few in parallel keep a small EPD comfortable. */
export const RESULT_CONCURRENCY = 4;

/** What the results job needs from the outside world. */
export interface ResultJobDeps {
  epd: EpdClient;
  questionnaires: QuestionnaireSet;
  now: () => Date;
  /** Entries per transaction (default: the in-process FHIR server's cap of 8). */
  maxTransactionEntries?: number;
}

/** The job's result: references only, for the dashboard and the audit trail. */
export interface ResultJobResult extends Pick<ResultWriteOutcome, 'created' | 'existing' | 'task'> {
  /** `QuestionnaireResponse/id` of each response. */
  responses: string[];
  /**
   * What the invitation Task's output names, as stored: each response, and for a questionnaire
   * written without its response (a rating of the clinician) its score Observations instead.
   */
  outputs: string[];
  /** Number of Observations (extracted answers and scores) the result has in the EPD. */
  observations: number;
}

/**
 * Writes one accepted result into the record: builds and checks every resource first (pure), then
 * `writeResult` writes them with conditional creates and completes the invitation Task last. A
 * retry after any failure finishes the work without writing anything twice.
 */
export function createResultJob(deps: ResultJobDeps) {
  return async function resultJob(job: ResultJobData, ctx: JobContext): Promise<ResultJobResult> {
    const { plan, built } = planResultWrite(job, deps.questionnaires, deps.now().toISOString());
    const outcome = await writeResult(deps.epd, plan, { maxEntries: deps.maxTransactionEntries });
    const responses = built.filter((b) => b.storeResponse).map((b) => outcome.stored[b.fullUrl] ?? b.fullUrl);
    ctx.log.info(
      {
        invitationId: job.invitationId,
        task: job.task,
        responses,
        created: outcome.created,
        existing: outcome.existing,
        taskState: outcome.task,
      },
      outcome.created > 0 || outcome.task === 'completed' ? 'result recorded' : 'result already recorded',
    );
    return {
      created: outcome.created,
      existing: outcome.existing,
      task: outcome.task,
      responses,
      outputs: plan.outputs.map((fullUrl) => outcome.stored[fullUrl] ?? fullUrl),
      observations: plan.entries.length - responses.length,
    };
  };
}
