import { createHash } from 'node:crypto';
import type { QuestionnaireResponse } from '@medplum/fhirtypes';
import type { EpdClient } from '../epd/epd-client.js';
import { EpdError } from '../epd/epd-error.js';
import type { ResultJobData, ResultResponseDraft } from '../queue/job-types.js';
import type { DecisionAid, ResultsConfig } from '../rules/types.js';
import { AppError, badInput, type Problem } from '../shared/errors.js';
import { findInvitation, type FoundInvitation } from './find-invitation.js';
import { mapPlatformResult } from './map-platform-result.js';
import { RESULT_ID_SYSTEM } from './pro-codes.js';
import { respondentProblems, withPatientItems } from './respondent-problems.js';
import type { QuestionnaireSet } from './questionnaire-set.js';
import { readCompletedTask } from './read-completed-task.js';
import {
  classifyResultBody,
  invitationOfTask,
  readPlatformJson,
  readQuestionnaireResponse,
} from './read-result-body.js';
import { scopedResultIdentifier } from './result-identifier.js';
import { assertNoForeignResults } from './result-ownership.js';
import type { ResultSubmission, SubmittedPart } from './result-submission.js';
import { validateAnswers } from './validate-answers.js';
import { withOptionCodings } from './with-option-codings.js';

/** What accepting a result needs: the EPD (to find the invitation) and the Questionnaires. */
export interface AcceptResultDeps {
  epd: EpdClient;
  questionnaires: QuestionnaireSet;
}

/** FHIR dateTime with a time needs a zone; without one the moment is ambiguous. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Reads a posted result in any of its shapes, finds its invitation, and checks every answer
 * against its Questionnaire. Returns the job that writes it; throws a 4xx AppError listing every
 * problem (nothing is written), or a 503 when the EPD cannot be asked (the platform retries).
 */
export async function acceptResult(
  aid: DecisionAid,
  body: unknown,
  receivedAt: string,
  deps: AcceptResultDeps,
): Promise<ResultJobData> {
  const results = aid.results;
  if (!results)
    throw new AppError(`decision aid ${aid.id} returns no results`, { status: 404, code: 'not-found', retry: false });
  return viaEpd(async () => {
    const { submission, invitation } = await readSubmission(body, aid, results, deps.epd);
    const problems = [...submission.problems];
    const drafts = submission.parts
      .flatMap((part) => draftsOf(part, { aid, results, invitation, receivedAt, deps, problems }))
      .map((draft) => withPatientItems(draft, results));
    if (!drafts.length && !problems.length) problems.push({ code: 'required', message: 'the result holds no answers' });
    problems.push(...(await respondentProblems(drafts, invitation, results, deps.epd)));
    if (problems.length) throw refused(problems);
    await assertNoForeignResults(
      deps.epd,
      drafts.map((d) => ({ resourceType: 'QuestionnaireResponse', identifier: d.identifier })),
      invitation,
    );
    const resultKey = `${aid.id}|${drafts
      .map((d) => `${d.identifier.system}|${d.identifier.value}`)
      .sort()
      .join(',')}`;
    const { invitationId, task, patient, author } = invitation;
    return { resultKey, decisionAidId: aid.id, invitationId, task, patient, author, receivedAt, responses: drafts };
  });
}

/** The BullMQ job id of a result: the same result posted twice while its job exists is one job. */
export function resultJobId(job: Pick<ResultJobData, 'resultKey'>): string {
  return `res-${createHash('sha256').update(job.resultKey).digest('hex').slice(0, 32)}`;
}

/**
 * The posted parts and their invitation. A completed Task's invitation is found first: its outputs
 * in the EPD are read only when they were written for that invitation.
 */
async function readSubmission(
  body: unknown,
  aid: DecisionAid,
  results: ResultsConfig,
  epd: EpdClient,
): Promise<{ submission: ResultSubmission; invitation: FoundInvitation }> {
  const shape = classifyResultBody(body);
  if (shape.kind === 'task') {
    const key = invitationOfTask(shape.task);
    const invitation = key ? await findInvitation(epd, key, aid) : undefined;
    const submission = await readCompletedTask(shape.task, epd, invitation);
    if (!invitation) throw refused(submission.problems);
    return { submission, invitation };
  }
  const submission =
    shape.kind === 'platform-json' ? readPlatformJson(shape.json, results) : readQuestionnaireResponse(shape.response);
  if (!submission.invitation) throw refused(submission.problems);
  return { submission, invitation: await findInvitation(epd, submission.invitation, aid) };
}

interface DraftContext {
  aid: DecisionAid;
  results: ResultsConfig;
  invitation: FoundInvitation;
  receivedAt: string;
  deps: AcceptResultDeps;
  problems: Problem[];
}

function draftsOf(part: SubmittedPart, ctx: DraftContext): ResultResponseDraft[] {
  if (part.kind === 'platform-json') {
    const mapped = mapPlatformResult({
      json: part.json,
      results: ctx.results,
      aidId: ctx.aid.id,
      role: ctx.invitation.author.role,
      receivedAt: ctx.receivedAt,
      questionnaires: ctx.deps.questionnaires,
      ...(part.fallbackResultId ? { fallbackResultId: part.fallbackResultId } : {}),
    });
    ctx.problems.push(...mapped.problems);
    return mapped.drafts.map((draft) => checked(draft, ctx, (linkId) => mapped.fieldOf.get(linkId)));
  }
  const draft = draftOfResponse(part.response, part.source, part.fallbackResultId, ctx);
  return draft ? [checked(draft, ctx)] : [];
}

/**
 * The draft after its answers were checked (problems go to ctx), with bare codes completed to the
 * option's Coding and its identifier moved into the aid's and invitation's namespace.
 */
function checked(
  draft: ResultResponseDraft,
  ctx: DraftContext,
  fieldOf?: (linkId: string) => string | undefined,
): ResultResponseDraft {
  const questionnaire = ctx.deps.questionnaires.get(draft.questionnaire);
  if (!questionnaire)
    throw new AppError(`Questionnaire ${draft.questionnaire} is not loaded`, { status: 500, retry: false });
  ctx.problems.push(...validateAnswers(questionnaire, draft.item, fieldOf));
  return {
    ...draft,
    identifier: scopedResultIdentifier(draft.identifier, ctx.aid.id, ctx.invitation.invitationId),
    item: withOptionCodings(draft.item, questionnaire.item ?? []),
  };
}

/** A posted QuestionnaireResponse as a draft: a Questionnaire this aid returns, an identifier, a valid time. */
function draftOfResponse(
  response: QuestionnaireResponse,
  source: string,
  fallbackResultId: string | undefined,
  ctx: DraftContext,
): ResultResponseDraft | undefined {
  const canonical = declaredCanonical(response.questionnaire, ctx.results);
  if (!canonical) {
    const known = ctx.results.questionnaires.flatMap((q) => [
      q.questionnaire,
      ...(q.guardianQuestionnaire ? [q.guardianQuestionnaire] : []),
    ]);
    ctx.problems.push({
      code: 'value',
      message: `${source}: questionnaire ${response.questionnaire ?? '(none)'} is not one decision aid ${ctx.aid.id} returns (${known.join(', ')})`,
      expression: `${source}.questionnaire`,
    });
    return undefined;
  }
  const given =
    response.identifier?.system && response.identifier.value
      ? { system: response.identifier.system, value: response.identifier.value }
      : undefined;
  const identifier =
    given ?? (fallbackResultId ? { system: RESULT_ID_SYSTEM, value: `${ctx.aid.id}/${fallbackResultId}` } : undefined);
  if (!identifier)
    ctx.problems.push({
      code: 'required',
      message: `${source}: an identifier (or id) is required, so the same result sent again is recognised`,
      expression: `${source}.identifier`,
    });
  const authored = response.authored ?? ctx.receivedAt;
  if (!DATE_TIME.test(authored) || Number.isNaN(Date.parse(authored)))
    ctx.problems.push({
      code: 'value',
      message: `${source}: authored ${JSON.stringify(authored)} is not a date-time with a time zone`,
      expression: `${source}.authored`,
    });
  return identifier ? { identifier, questionnaire: canonical, authored, item: response.item ?? [] } : undefined;
}

/** `url|version` as the aid declares it; a bare url matches when the aid declares one version of it. */
function declaredCanonical(questionnaire: string | undefined, results: ResultsConfig): string | undefined {
  const declared = results.questionnaires.flatMap((q) => [
    q.questionnaire,
    ...(q.guardianQuestionnaire ? [q.guardianQuestionnaire] : []),
  ]);
  if (!questionnaire) return undefined;
  if (declared.includes(questionnaire)) return questionnaire;
  const byUrl = declared.filter((c) => c.split('|')[0] === questionnaire);
  return byUrl.length === 1 ? byUrl[0] : undefined;
}

function refused(problems: Problem[]): AppError {
  return badInput(
    422,
    `the result was refused (${problems.length} problem${problems.length === 1 ? '' : 's'}); nothing was written`,
    problems,
  );
}

/** EPD trouble while reading becomes a 503 (the platform retries) or a 502, never a bare network error. */
async function viaEpd<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (!(err instanceof EpdError)) throw err;
    const retry = err.retry || err.status === 0;
    throw new AppError(retry ? 'the EPD is not reachable; retry later' : 'the EPD refused a lookup', {
      status: retry ? 503 : 502,
      code: 'transient',
      retry,
      cause: err,
    });
  }
}
