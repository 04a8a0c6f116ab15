import type { QuestionnaireResponse, Reference, Task } from '@medplum/fhirtypes';
import { INVITATION_ID_SYSTEM } from '../decision-aids/invitation-task-codes.js';
import type { ResultsConfig } from '../rules/types.js';
import { badInput, type Problem } from '../shared/errors.js';
import { INVITATION_EXTENSION } from './pro-codes.js';
import { readDotPath } from './read-dot-path.js';
import type { InvitationKey, ResultSubmission } from './result-submission.js';

/** The three shapes a result may arrive in. */
export type ResultBody =
  | { kind: 'platform-json'; json: Record<string, unknown> }
  | { kind: 'questionnaire-response'; response: QuestionnaireResponse }
  | { kind: 'task'; task: Task };

/** A Task id, as FHIR allows it. */
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

/** Which shape a parsed body has: a FHIR QuestionnaireResponse, a (completed) Task, or the platform's own JSON. */
export function classifyResultBody(body: unknown): ResultBody {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw badInput(400, 'the result must be a JSON object');
  const resourceType = (body as { resourceType?: unknown }).resourceType;
  if (resourceType === undefined) return { kind: 'platform-json', json: body as Record<string, unknown> };
  if (resourceType === 'QuestionnaireResponse')
    return { kind: 'questionnaire-response', response: body as QuestionnaireResponse };
  if (resourceType === 'Task') return { kind: 'task', task: body as Task };
  throw badInput(
    422,
    `a ${String(resourceType)} is not a result: send the platform's JSON, a QuestionnaireResponse or a completed Task`,
    [
      {
        code: 'not-supported',
        message: `resourceType ${String(resourceType)} is not accepted here`,
        expression: 'resourceType',
      },
    ],
  );
}

/** The platform's JSON: the invitation id is where the mapping file says. */
export function readPlatformJson(json: Record<string, unknown>, results: ResultsConfig): ResultSubmission {
  const value = readDotPath(json, results.invitationField);
  const problems: Problem[] = [];
  let invitation: InvitationKey | undefined;
  if (typeof value === 'string' && value.trim())
    invitation = { invitationId: value.trim(), field: results.invitationField };
  else
    problems.push({
      code: 'required',
      message: `field "${results.invitationField}": the invitation id is required`,
      expression: results.invitationField,
    });
  return { ...(invitation ? { invitation } : {}), parts: [{ kind: 'platform-json', json }], problems };
}

/**
 * A QuestionnaireResponse: completed, naming its invitation in our invitation extension (by
 * identifier or as `Task/id`). A `basedOn` → Task, as platforms built on older versions of this
 * contract send it, is accepted too; the response written to the record never carries it (R4 allows
 * only CarePlan and ServiceRequest there) but the extension instead.
 */
export function readQuestionnaireResponse(response: QuestionnaireResponse): ResultSubmission {
  const problems: Problem[] = [];
  if (response.status !== 'completed' && response.status !== 'amended') {
    problems.push({
      code: 'value',
      message: `status is ${String(response.status)}: only a completed response is a result`,
      expression: 'QuestionnaireResponse.status',
    });
  }
  const linked = (response.extension ?? []).flatMap((e) =>
    e.url === INVITATION_EXTENSION && e.valueReference ? [e.valueReference] : [],
  );
  const invitation =
    invitationOf(linked, 'QuestionnaireResponse.extension') ??
    invitationOf(response.basedOn ?? [], 'QuestionnaireResponse.basedOn');
  if (!invitation) {
    problems.push({
      code: 'required',
      message: `the invitation is required: an extension ${INVITATION_EXTENSION} whose valueReference has an identifier with system ${INVITATION_ID_SYSTEM} (or reference Task/id)`,
      expression: 'QuestionnaireResponse.extension',
    });
  }
  const fallbackResultId = response.id ? `qr/${response.id}` : undefined;
  return {
    ...(invitation ? { invitation } : {}),
    parts: [
      {
        kind: 'questionnaire-response',
        response,
        source: 'QuestionnaireResponse',
        ...(fallbackResultId ? { fallbackResultId } : {}),
      },
    ],
    problems,
  };
}

/** The invitation a list of references names: a logical identifier of ours first, else a `Task/id`. */
export function invitationOf(references: readonly Reference[], field: string): InvitationKey | undefined {
  const byIdentifier = references.find((r) => r.identifier?.system === INVITATION_ID_SYSTEM && r.identifier.value);
  if (byIdentifier?.identifier?.value) return { invitationId: byIdentifier.identifier.value, field };
  const taskId = references
    .map((r) => /^Task\/([^/]+)$/.exec(r.reference ?? '')?.[1])
    .find((id) => id && FHIR_ID.test(id));
  return taskId ? { taskId, field } : undefined;
}

/** The invitation of a Koppeltaal-style Task: our identifier on it, else its own id in the EPD. */
export function invitationOfTask(task: Task): InvitationKey | undefined {
  const identifier = task.identifier?.find((i) => i.system === INVITATION_ID_SYSTEM && i.value);
  if (identifier?.value) return { invitationId: identifier.value, field: 'Task.identifier' };
  return task.id && FHIR_ID.test(task.id) ? { taskId: task.id, field: 'Task.id' } : undefined;
}
