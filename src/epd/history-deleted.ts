import type { Bundle, BundleEntry } from '@medplum/fhirtypes';
import { EpdError } from './epd-error.js';

/**
 * True when a `_history` Bundle's newest entry is a delete: a `DELETE` request, or an entry without
 * a resource answered 410 (servers differ in which they fill in). Pure.
 */
export function endsWithDelete(history: Bundle): boolean {
  const newest = newestEntry(history.entry ?? []);
  if (!newest) return false;
  if (newest.request?.method === 'DELETE') return true;
  return !newest.resource && (newest.response?.status ?? '').startsWith('410');
}

/**
 * Whether a resource's history says it was deleted, from a reader of its first page: a 410 for the
 * history itself says so too; a 404 says nothing (the server keeps no history of it, or does not
 * show it yet). Other failures are the caller's to retry.
 */
export async function historySaysDeleted(readFirstPage: () => Promise<Bundle>): Promise<boolean> {
  try {
    return endsWithDelete(await readFirstPage());
  } catch (err) {
    if (err instanceof EpdError && err.status === 410) return true;
    if (err instanceof EpdError && err.status === 404) return false;
    throw err;
  }
}

/**
 * FHIR sorts a history newest first, but not every server does (the in-process one does not): when
 * every entry carries a time, the latest wins; otherwise the first entry.
 */
function newestEntry(entries: BundleEntry[]): BundleEntry | undefined {
  const times = entries.map((e) => Date.parse(e.resource?.meta?.lastUpdated ?? e.response?.lastModified ?? ''));
  if (entries.length === 0 || times.some(Number.isNaN)) return entries[0];
  return entries[times.indexOf(Math.max(...times))];
}
