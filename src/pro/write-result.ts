import type { Bundle, Observation, QuestionnaireResponse, Resource, Task } from '@medplum/fhirtypes';
import type { EpdClient } from '../epd/epd-client.js';
import { EpdError } from '../epd/epd-error.js';
import { storedEntriesOrThrow } from '../epd/transaction-answer.js';
import { AppError } from '../shared/errors.js';
import { assertValidResource } from '../shared/fhir-definitions.js';
import { CLOSED_TASK_STATES, TASK_OUTPUT_RESULT, TASK_OUTPUT_SCORE, TASK_OUTPUT_TYPE_SYSTEM } from './pro-codes.js';
import { assertNoForeignResults, belongsTo, foreignResult } from './result-ownership.js';
import { withParagraph } from '../shared/xhtml-narrative.js';
import { dutchDate } from './result-narrative.js';

/** One resource to create unless a resource with its identifier is already in the EPD. */
export interface ConditionalEntry {
  /** `urn:uuid:…`: how other entries refer to it before it has an id. */
  fullUrl: string;
  resource: QuestionnaireResponse | Observation;
  /** The conditional create's search, e.g. `identifier=system|value`. */
  ifNoneExist: string;
}

/** Everything one result writes: each response before its Observations, then the Task is completed. */
export interface ResultWritePlan {
  /** `Task/id` of the invitation Task. */
  task: string;
  /** `Patient/id` the result is about: every resource written or matched must be theirs. */
  patient: string;
  entries: ConditionalEntry[];
  /** fullUrls of the responses: they become the Task's output. */
  outputs: string[];
  completedAt: string;
}

/** What the write did; `stored` maps each fullUrl to the `Type/id` it has in the EPD. */
export interface ResultWriteOutcome {
  created: number;
  existing: number;
  stored: Record<string, string>;
  /** `completed`: this call completed the Task; `already-completed`: nothing to do; `left-as-is`: the Task was cancelled or the like. */
  task: 'completed' | 'already-completed' | 'left-as-is';
}

/** The largest transaction with conditional creates the in-process FHIR server accepts; larger ones are refused. */
export const DEFAULT_MAX_TRANSACTION_ENTRIES = 8;

/**
 * Writes a result to the EPD so that it is correct whether or not transactions are atomic and
 * however often it is retried:
 * 1. the resources go in transactions of at most `maxEntries` entries, each a conditional create
 *    on a deterministic identifier, the QuestionnaireResponse before its Observations; a later
 *    chunk points at a response by the id an earlier chunk answered;
 * 2. only then is the invitation Task completed (If-Match on its version), with the responses as output.
 * A failure anywhere leaves at most some of the resources, never a completed Task without them;
 * the retry's conditional creates find what exists, create the rest, and complete the Task.
 * A conditional create must never adopt someone else's resource: the identifiers are looked up
 * first (a match of another patient or invitation is a 409 before anything is written), and a
 * match found by the transaction itself (a race) is checked again before the Task is completed.
 */
export async function writeResult(
  epd: EpdClient,
  plan: ResultWritePlan,
  options: { maxEntries?: number } = {},
): Promise<ResultWriteOutcome> {
  const maxEntries = Math.max(1, options.maxEntries ?? DEFAULT_MAX_TRANSACTION_ENTRIES);
  const outcome: ResultWriteOutcome = { created: 0, existing: 0, stored: {}, task: 'already-completed' };
  const owner = { patient: plan.patient, task: plan.task };
  await assertNoForeignResults(
    epd,
    plan.entries.map((e) => ({ resourceType: e.resource.resourceType, identifier: identifierOf(e.resource) })),
    owner,
  );
  const matched: string[] = [];
  for (let start = 0; start < plan.entries.length; start += maxEntries) {
    matched.push(...(await writeChunk(epd, plan.entries.slice(start, start + maxEntries), outcome)));
  }
  for (const reference of matched) {
    if (!belongsTo(await epd.read<Resource>(reference), owner)) throw foreignResult(reference.split('/')[0]!);
  }
  const outputs = plan.outputs.map((fullUrl) => outcome.stored[fullUrl] ?? fullUrl);
  outcome.task = await completeTask(epd, plan.task, outputs, plan.completedAt);
  return outcome;
}

async function writeChunk(
  epd: EpdClient,
  chunk: readonly ConditionalEntry[],
  outcome: ResultWriteOutcome,
): Promise<string[]> {
  const bundle: Bundle = {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: chunk.map((e) => ({
      fullUrl: e.fullUrl,
      resource: withStoredReferences(e.resource, outcome.stored),
      request: { method: 'POST', url: e.resource.resourceType, ifNoneExist: e.ifNoneExist },
    })),
  };
  // Entry by entry: a server without atomic transactions answers 200 with a failed entry (say a 409) among written ones.
  const answers = storedEntriesOrThrow(bundle, await epd.transaction(bundle));
  const matched: string[] = [];
  for (const [index, entry] of chunk.entries()) {
    const answer = answers[index]!;
    if (answer.created) outcome.created += 1;
    else outcome.existing += 1;
    outcome.stored[entry.fullUrl] = referenceOf(answer.location) ?? (await findStored(epd, entry));
    if (!answer.created) matched.push(outcome.stored[entry.fullUrl]!);
  }
  return matched;
}

/** The service's own identifier of a resource it writes (a response has one, an Observation its first). */
function identifierOf(resource: QuestionnaireResponse | Observation) {
  return (resource.resourceType === 'QuestionnaireResponse' ? resource.identifier : resource.identifier?.[0]) ?? {};
}

/** Where the answer has no Location (allowed for a 200), the resource is found by its condition. */
async function findStored(epd: EpdClient, entry: ConditionalEntry): Promise<string> {
  const params = Object.fromEntries(new URLSearchParams(entry.ifNoneExist));
  const [found] = await epd.search<Resource>(entry.resource.resourceType, params);
  if (!found?.id)
    throw new AppError(`the EPD did not say where ${entry.resource.resourceType} was stored`, {
      status: 502,
      retry: true,
      code: 'processing',
    });
  return `${found.resourceType}/${found.id}`;
}

/** The Task completed with the responses as output, unless it already is (or was closed without a result). */
async function completeTask(
  epd: EpdClient,
  reference: string,
  outputs: readonly string[],
  completedAt: string,
): Promise<ResultWriteOutcome['task']> {
  const task = await epd.read<Task>(reference);
  if (CLOSED_TASK_STATES.has(task.status)) return 'left-as-is';
  const missing = outputs.filter((ref) => !(task.output ?? []).some((o) => o.valueReference?.reference === ref));
  if (task.status === 'completed' && missing.length === 0) return 'already-completed';
  const completed = assertValidResource<Task & { id: string }>({
    ...task,
    id: task.id ?? reference.split('/')[1] ?? '',
    text: withCompletionNote(task.text?.div, completedAt),
    status: 'completed',
    lastModified: completedAt,
    executionPeriod: { ...task.executionPeriod, end: completedAt },
    output: [
      ...(task.output ?? []),
      ...missing.map((ref) => {
        const kind = ref.startsWith('Observation/') ? TASK_OUTPUT_SCORE : TASK_OUTPUT_RESULT;
        return {
          type: { coding: [{ system: TASK_OUTPUT_TYPE_SYSTEM, code: kind.code, display: kind.display }] },
          valueReference: {
            reference: ref,
            type: ref.startsWith('Observation/') ? ('Observation' as const) : ('QuestionnaireResponse' as const),
          },
        };
      }),
    ],
  });
  try {
    await epd.update(completed, task.meta?.versionId ? { ifMatch: task.meta.versionId } : {});
  } catch (err) {
    // Someone changed the Task since it was read: read it again on the next attempt, never overwrite blindly.
    if (err instanceof EpdError && err.status === 412) {
      throw new AppError('the invitation Task changed while the result was written; retrying', {
        status: 409,
        retry: true,
        code: 'conflict',
        cause: err,
      });
    }
    throw err;
  }
  return 'completed';
}

function withCompletionNote(div: string | undefined, completedAt: string): Task['text'] {
  return withParagraph(div, `Afgerond op ${dutchDate(completedAt)}: het resultaat staat in het dossier.`);
}

/** A copy with every `reference` that names an earlier fullUrl replaced by the stored `Type/id`. */
function withStoredReferences<T>(value: T, stored: Readonly<Record<string, string>>): T {
  if (Array.isArray(value)) return value.map((v) => withStoredReferences(v, stored)) as T;
  if (value === null || typeof value !== 'object') return value;
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    copy[key] =
      key === 'reference' && typeof item === 'string' && stored[item]
        ? stored[item]
        : withStoredReferences(item, stored);
  }
  return copy as T;
}

/** `Type/id` of a Location (`Type/id/_history/v`, or absolute). */
function referenceOf(location: string | undefined): string | undefined {
  const match = /([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?\/?$/.exec(location ?? '');
  return match ? `${match[1]}/${match[2]}` : undefined;
}
