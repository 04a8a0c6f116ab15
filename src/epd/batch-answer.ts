import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import { EpdError } from './epd-error.js';
import { readEntry } from './entry-answer.js';

/** One answer of a batch read: the resource (for a search, its searchset Bundle), or why that entry failed. */
export type BatchAnswer = { resource: Resource } | { error: EpdError };

/** A FHIR `batch` Bundle of GETs, one entry per URL relative to the base (`Patient/1`, `Consent?patient=Patient/1`). */
export function batchOfReads(urls: readonly string[]): Bundle {
  return { resourceType: 'Bundle', type: 'batch', entry: urls.map((url) => ({ request: { method: 'GET', url } })) };
}

/**
 * The answers of a `batch-response`, in the order of the requests, each read on its own: an entry
 * outside 2xx becomes an EpdError with that entry's status and retry rule and its issue codes (never
 * their texts); a response with another number of entries is the server's fault and worth another attempt.
 */
export function readBatchResponse(urls: readonly string[], response: Bundle): BatchAnswer[] {
  const entries = response.entry ?? [];
  if (response.type !== 'batch-response' || entries.length !== urls.length) {
    const error = new EpdError(`EPD POST batch answered ${entries.length} entries for ${urls.length} requests`, {
      status: 502,
      retry: true,
      code: 'processing',
    });
    return urls.map(() => ({ error }));
  }
  return urls.map((url, i) => entryAnswer(url, entries[i]!));
}

function entryAnswer(url: string, entry: BundleEntry): BatchAnswer {
  const request = `GET ${url.split('?')[0]}`; // never the query: it may name a patient
  const answer = readEntry(request, entry);
  if ('error' in answer) return answer;
  if (answer.resource) return { resource: answer.resource };
  return {
    error: new EpdError(`EPD ${request} in a batch answered HTTP ${answer.status} without a resource`, {
      status: 502,
      retry: true,
      code: 'processing',
    }),
  };
}

/** The resources of a batch answer, or its first failure thrown. */
export function resourcesOrThrow(answers: readonly BatchAnswer[]): Resource[] {
  return answers.map((answer) => {
    if ('error' in answer) throw answer.error;
    return answer.resource;
  });
}

/**
 * A batch read answered by single reads and searches (a search's matches as a searchset Bundle):
 * for EPD ports that have no batch of their own, such as the dry run's files.
 */
export async function readOneByOne(
  epd: {
    read<T extends Resource>(reference: string): Promise<T>;
    search<T extends Resource>(type: T['resourceType'], params: Record<string, string | string[]>): Promise<T[]>;
  },
  urls: readonly string[],
): Promise<BatchAnswer[]> {
  return Promise.all(
    urls.map(async (url): Promise<BatchAnswer> => {
      const [path = '', query] = url.split('?', 2);
      try {
        if (query === undefined) return { resource: await epd.read(path) };
        const matches = await epd.search(path as Resource['resourceType'], paramsOf(query));
        const bundle: Bundle = {
          resourceType: 'Bundle',
          type: 'searchset',
          total: matches.length,
          entry: matches.map((resource) => ({ resource, search: { mode: 'match' } })),
        };
        return { resource: bundle };
      } catch (err) {
        if (err instanceof EpdError) return { error: err };
        throw err;
      }
    }),
  );
}

function paramsOf(query: string): Record<string, string | string[]> {
  const params: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(query)) {
    const seen = params[key];
    params[key] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  return params;
}
