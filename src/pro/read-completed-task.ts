import type { Attachment, Binary, DocumentReference, QuestionnaireResponse, Resource, Task } from '@medplum/fhirtypes';
import type { EpdClient } from '../epd/epd-client.js';
import { EpdError } from '../epd/epd-error.js';
import type { Problem } from '../shared/errors.js';
import { invitationOfTask } from './read-result-body.js';
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
 */
export async function readCompletedTask(task: Task, epd: EpdClient): Promise<ResultSubmission> {
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
    if (reference) {
      const resource = await resolveOutput(reference, task, epd);
      if (!resource) problems.push({ code: 'not-found', message: `${reference} was not found`, expression: source });
      else parts.push(...(await partsOfResource(resource, source, fallbackResultId, epd, problems)));
    } else if (output.valueAttachment) {
      parts.push(...(await partsOfAttachment(output.valueAttachment, source, fallbackResultId, epd, problems)));
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

async function resolveOutput(reference: string, task: Task, epd: EpdClient): Promise<Resource | undefined> {
  if (reference.startsWith('#')) return task.contained?.find((r) => r.id === reference.slice(1));
  return READABLE.test(reference) ? readIfExists<Resource>(reference, epd) : undefined;
}

/** The resource, or undefined when the EPD says it is not there; any other failure is thrown (503 at the edge). */
async function readIfExists<T extends Resource>(reference: string, epd: EpdClient): Promise<T | undefined> {
  try {
    return await epd.read<T>(reference);
  } catch (err) {
    if (err instanceof EpdError && (err.status === 404 || err.status === 410)) return undefined;
    throw err;
  }
}

async function partsOfResource(
  resource: Resource,
  source: string,
  fallbackResultId: string,
  epd: EpdClient,
  problems: Problem[],
): Promise<SubmittedPart[]> {
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
      epd,
      problems,
    );
  if (resource.resourceType !== 'DocumentReference') {
    problems.push({ code: 'not-supported', message: `a ${resource.resourceType} holds no result`, expression: source });
    return [];
  }
  const document = resource as DocumentReference;
  const parts: SubmittedPart[] = [];
  for (const [i, content] of (document.content ?? []).entries()) {
    const id = document.id ? `document/${document.id}/${i}` : `${fallbackResultId}/${i}`;
    parts.push(...(await partsOfAttachment(content.attachment, `${source}.content[${i}]`, id, epd, problems)));
  }
  return parts;
}

async function partsOfAttachment(
  attachment: Attachment,
  source: string,
  fallbackResultId: string,
  epd: EpdClient,
  problems: Problem[],
): Promise<SubmittedPart[]> {
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
    data = (await readIfExists<Binary>(attachment.url, epd))?.data;
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
