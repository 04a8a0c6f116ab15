import type { Attachment, Binary, DocumentReference, QuestionnaireResponse, Resource, Task } from '@medplum/fhirtypes';
import type { EpdClient } from '../epd/epd-client.js';
import { EpdError } from '../epd/epd-error.js';
import type { Problem } from '../shared/errors.js';
import { invitationOfTask } from './read-result-body.js';
import { isResultOf, type ResultOwner } from './result-ownership.js';
import type { ResultSubmission, SubmittedPart } from './result-submission.js';

/** Output references that may hold a result, read from the EPD (the shared FHIR store in Koppeltaal). */
const READABLE = /^(QuestionnaireResponse|DocumentReference|Binary)\/[A-Za-z0-9\-.]{1,64}$/;
/** Attachment types read as a result: the platform's JSON or a FHIR QuestionnaireResponse. */
const JSON_TYPE = /^application\/(fhir\+)?json(\s*;.*)?$/i;
/** A result attachment larger than this is not a questionnaire answer set; it is refused unread. */
const MAX_ATTACHMENT_BYTES = 1024 * 1024;

/**
 * A Task the platform marked completed (Koppeltaal style): its invitation, and the result in its
 * output — a QuestionnaireResponse or DocumentReference (contained, or in the EPD), or an
 * attachment — holding a QuestionnaireResponse or the platform's JSON.
 * Why `owner`: the service reads the EPD with its own credentials, so an output in the EPD is read
 * only when it was written for this invitation (see `isResultOf`); anything else — another
 * patient's document, an id that does not exist — gets the same answer, which quotes nothing.
 */
export async function readCompletedTask(
  task: Task,
  epd: EpdClient,
  owner: ResultOwner | undefined,
): Promise<ResultSubmission> {
  const problems: Problem[] = [];
  if (task.status !== 'completed') {
    problems.push({
      code: 'value',
      message: `status is ${String(task.status)}: only a completed Task carries a result`,
      expression: 'Task.status',
    });
  }
  const invitation = invitationOfTask(task);
  if (!invitation)
    problems.push({
      code: 'required',
      message: 'the Task names no invitation: give our invitation identifier or its id',
      expression: 'Task.identifier',
    });
  const parts: SubmittedPart[] = [];
  for (const [index, output] of (task.output ?? []).entries()) {
    const source = `Task.output[${index}]`;
    const fallbackResultId = `task/${task.id ?? (invitation && 'invitationId' in invitation ? invitation.invitationId : 'posted')}/output/${index}`;
    const reference = output.valueReference?.reference;
    const reader = { epd, owner, problems };
    if (reference) {
      const resource = await resolveOutput(reference, task, reader);
      if (!resource) problems.push(notAResult(source));
      else parts.push(...(await partsOfResource(resource, source, fallbackResultId, reader)));
    } else if (output.valueAttachment) {
      parts.push(...(await partsOfAttachment(output.valueAttachment, source, fallbackResultId, reader)));
    }
  }
  if (!parts.length && !problems.length) {
    problems.push({
      code: 'required',
      message: 'no QuestionnaireResponse, DocumentReference or attachment with a result in the output',
      expression: 'Task.output',
    });
  }
  return { ...(invitation ? { invitation } : {}), parts, problems };
}

/** What reading outputs needs: the EPD, whose result it must be, and where problems go. */
interface OutputReader {
  epd: EpdClient;
  owner: ResultOwner | undefined;
  problems: Problem[];
}

/** One answer for "not there" and "not yours", so ids of other records cannot be probed. */
function notAResult(source: string): Problem {
  return { code: 'not-found', message: 'names no result written for this invitation', expression: source };
}

async function resolveOutput(reference: string, task: Task, reader: OutputReader): Promise<Resource | undefined> {
  if (reference.startsWith('#')) return task.contained?.find((r) => r.id === reference.slice(1));
  return READABLE.test(reference) ? readOwn<Resource>(reference, reader) : undefined;
}

/**
 * The resource when it exists and was written for the invitation; undefined otherwise (also
 * without an invitation to check against). Any other failure is thrown (503 at the edge).
 */
async function readOwn<T extends Resource>(reference: string, reader: OutputReader): Promise<T | undefined> {
  if (!reader.owner) return undefined;
  try {
    const resource = await reader.epd.read<T>(reference);
    return isResultOf(resource, reader.owner) ? resource : undefined;
  } catch (err) {
    if (err instanceof EpdError && (err.status === 404 || err.status === 410)) return undefined;
    throw err;
  }
}

async function partsOfResource(
  resource: Resource,
  source: string,
  fallbackResultId: string,
  reader: OutputReader,
): Promise<SubmittedPart[]> {
  const { problems } = reader;
  if (resource.resourceType === 'QuestionnaireResponse') {
    return [
      {
        kind: 'questionnaire-response',
        response: resource,
        source,
        fallbackResultId: resource.id ? `qr/${resource.id}` : fallbackResultId,
      },
    ];
  }
  if (resource.resourceType === 'Binary')
    return partsOfAttachment(
      { contentType: resource.contentType, data: resource.data },
      source,
      fallbackResultId,
      reader,
    );
  if (resource.resourceType !== 'DocumentReference') {
    problems.push({ code: 'not-supported', message: `a ${resource.resourceType} holds no result`, expression: source });
    return [];
  }
  const document = resource as DocumentReference;
  const parts: SubmittedPart[] = [];
  for (const [i, content] of (document.content ?? []).entries()) {
    const id = document.id ? `document/${document.id}/${i}` : `${fallbackResultId}/${i}`;
    parts.push(...(await partsOfAttachment(content.attachment, `${source}.content[${i}]`, id, reader)));
  }
  return parts;
}

async function partsOfAttachment(
  attachment: Attachment,
  source: string,
  fallbackResultId: string,
  reader: OutputReader,
): Promise<SubmittedPart[]> {
  const { problems } = reader;
  if (!JSON_TYPE.test(attachment.contentType ?? '')) {
    problems.push({
      code: 'not-supported',
      message: `contentType ${attachment.contentType ?? '(none)'}: only JSON results are read`,
      expression: source,
    });
    return [];
  }
  let data = attachment.data;
  if (data === undefined && attachment.url && /^Binary\/[A-Za-z0-9\-.]{1,64}$/.test(attachment.url)) {
    const binary = await readOwn<Binary>(attachment.url, reader);
    if (!binary) {
      problems.push(notAResult(source));
      return [];
    }
    data = binary.data;
  }
  if (data === undefined) {
    problems.push({
      code: 'required',
      message: 'the attachment has no data (inline, or a Binary in the EPD)',
      expression: source,
    });
    return [];
  }
  const text = Buffer.from(data, 'base64');
  if (text.length > MAX_ATTACHMENT_BYTES) {
    problems.push({
      code: 'too-costly',
      message: `the attachment is larger than ${MAX_ATTACHMENT_BYTES} bytes`,
      expression: source,
    });
    return [];
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.toString('utf8'));
  } catch {
    problems.push({ code: 'invalid', message: 'the attachment is not valid JSON', expression: source });
    return [];
  }
  if ((parsed as { resourceType?: unknown } | null)?.resourceType === 'QuestionnaireResponse') {
    return [{ kind: 'questionnaire-response', response: parsed as QuestionnaireResponse, source, fallbackResultId }];
  }
  return [{ kind: 'platform-json', json: parsed, fallbackResultId }];
}
