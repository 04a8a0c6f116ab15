import type { Identifier, Resource } from '@medplum/fhirtypes';
import type { EpdClient } from '../epd/epd-client.js';
import { AppError } from '../shared/errors.js';

/** Whose a result is: the invitation's patient and its Task, both as `Type/id`. */
export interface ResultOwner {
  patient: string;
  task: string;
}

/** Identifiers asked for per search: keeps the query far below URL limits. */
const IDENTIFIERS_PER_SEARCH = 20;

/**
 * True when a resource in the EPD belongs to this invitation: its subject (a Binary: its
 * securityContext) is the invitation's patient, and every Task it names is the invitation's Task.
 */
export function belongsTo(resource: Resource, owner: ResultOwner): boolean {
  const record = resource as { subject?: { reference?: string }; securityContext?: { reference?: string } };
  const subject = resource.resourceType === 'Binary' ? record.securityContext?.reference : record.subject?.reference;
  if (subject !== owner.patient) return false;
  return namedTasks(resource).every((task) => task === owner.task);
}

/**
 * True when a resource a completed Task names as its output was written for this invitation: it
 * names the invitation Task (basedOn, the invitation extension, DocumentReference.context.related,
 * a Binary's securityContext) and no other, and a QuestionnaireResponse or DocumentReference is
 * about the invitation's patient. The link to the Task is required, not only the patient: another
 * result of the same patient is not this one.
 */
export function isResultOf(resource: Resource, owner: ResultOwner): boolean {
  const tasks = namedTasks(resource);
  if (!tasks.includes(owner.task) || !tasks.every((task) => task === owner.task)) return false;
  if (resource.resourceType === 'Binary') return resource.securityContext?.reference === owner.task;
  if (resource.resourceType === 'QuestionnaireResponse' || resource.resourceType === 'DocumentReference')
    return resource.subject?.reference === owner.patient;
  return false;
}

/** Every `Task/…` reference anywhere in the resource (basedOn, partOf, context.related, …). */
function namedTasks(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) namedTasks(item, found);
  else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (key === 'reference' && typeof item === 'string' && item.startsWith('Task/')) found.push(item);
      else if (key !== 'contained') namedTasks(item, found);
    }
  }
  return found;
}

/**
 * Refuses (409, nothing written) when a resource the service is about to create already exists
 * for another patient or invitation: a conditional create would match it and the invitation would
 * point at someone else's answers. The message names no content of the resource found.
 */
export async function assertNoForeignResults(
  epd: EpdClient,
  planned: readonly { resourceType: Resource['resourceType']; identifier: Identifier }[],
  owner: ResultOwner,
): Promise<void> {
  const byType = new Map<Resource['resourceType'], string[]>();
  for (const { resourceType, identifier } of planned) {
    const tokens = byType.get(resourceType) ?? [];
    tokens.push(`${escapeSearch(identifier.system ?? '')}|${escapeSearch(identifier.value ?? '')}`);
    byType.set(resourceType, tokens);
  }
  for (const [resourceType, tokens] of byType) {
    for (let start = 0; start < tokens.length; start += IDENTIFIERS_PER_SEARCH) {
      const identifier = tokens.slice(start, start + IDENTIFIERS_PER_SEARCH).join(',');
      const found = await epd.search<Resource>(resourceType, { identifier });
      if (found.some((resource) => !belongsTo(resource, owner))) throw foreignResult(resourceType);
    }
  }
}

/** The refusal when a result would land on (or point at) a resource of someone else. */
export function foreignResult(resourceType: string): AppError {
  return new AppError(
    `a ${resourceType} with this result's identifier belongs to another patient or invitation; nothing was written`,
    { status: 409, code: 'conflict', retry: false },
  );
}

/** FHIR search escaping: `\`, `,`, `|` and `$` in a value are taken literally. */
function escapeSearch(value: string): string {
  return value.replace(/[\\,|$]/g, (c) => `\\${c}`);
}
