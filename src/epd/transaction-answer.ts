import type { Bundle } from '@medplum/fhirtypes';
import { EpdError, isConflictStatus } from './epd-error.js';
import { entryRequest, readEntry, type EntryAnswer, type EntryDone } from './entry-answer.js';

/** One entry of a transaction that succeeded; `created` is true for 201 (a conditional create that found a match answers 200). */
export interface StoredEntry extends EntryDone {
  created: boolean;
}

/**
 * Reads a `transaction-response` (or `batch-response`) entry by entry, in the order of the request.
 * Why not trust the HTTP status: a server without atomic transactions answers 200 and processes
 * each entry on its own, so one entry can be a 409 while the others were written. An answer with
 * another number of entries is the server's fault and worth another attempt.
 */
export function readTransactionAnswer(bundle: Bundle, answer: Bundle): EntryAnswer[] {
  const sent = bundle.entry ?? [];
  const got = answer.entry ?? [];
  const expected = bundle.type === 'batch' ? 'batch-response' : 'transaction-response';
  if (answer.type !== expected || got.length !== sent.length) {
    const error = new EpdError(`EPD POST ${bundle.type} answered ${got.length} entries for ${sent.length}`, {
      status: 502,
      retry: true,
      code: 'processing',
    });
    return sent.map(() => ({ error }));
  }
  return sent.map((entry, i) => readEntry(entryRequest(entry, i), got[i]));
}

/**
 * The entries of a transaction answer when every one succeeded; otherwise the failure that
 * decides what happens next is thrown: one that another attempt cannot cure (say a 400) before a
 * retryable one (a 409), so a job does not retry what will fail again.
 */
export function storedEntriesOrThrow(bundle: Bundle, answer: Bundle): StoredEntry[] {
  const answers = readTransactionAnswer(bundle, answer);
  const errors = answers.flatMap((a) => ('error' in a ? [a.error] : []));
  const decisive = errors.find((e) => !e.retry) ?? errors[0];
  if (decisive) throw decisive;
  return (answers as EntryDone[]).map((done) => ({ ...done, created: done.status === 201 }));
}

/** The first entry that failed with a conflict (409/412), for a client that tries the transaction again. */
export function firstConflict(bundle: Bundle, answer: Bundle): EpdError | undefined {
  for (const a of readTransactionAnswer(bundle, answer))
    if ('error' in a && isConflictStatus(a.error.status)) return a.error;
  return undefined;
}

/**
 * True when sending the Bundle again cannot create anything twice: every entry is a read, an
 * update or delete of a named resource, or a conditional create. Only then does a client repeat a
 * transaction whose entries partly failed.
 */
export function isRepeatable(bundle: Bundle): boolean {
  return (bundle.entry ?? []).every((entry) => {
    const method = entry.request?.method;
    if (method === 'POST') return Boolean(entry.request?.ifNoneExist);
    return method === 'GET' || method === 'HEAD' || method === 'PUT' || method === 'DELETE';
  });
}
