import type { Bundle } from '@medplum/fhirtypes';

/**
 * Adds `self` and, when more results remain, `next` links to a searchset Bundle.
 *
 * Why: the MemoryRepository honours `_count` and `_offset` but returns no paging links, so a
 * client that (correctly) follows `next` would stop after the first page. The next page is the
 * same query with `_offset` moved on by `_count`.
 */
export function addSearchLinks(bundle: Bundle, pageUrl: URL): Bundle {
  if (bundle.type !== 'searchset') return bundle;
  const link: NonNullable<Bundle['link']> = [{ relation: 'self', url: pageUrl.toString() }];
  const count = nonNegativeInt(pageUrl.searchParams.get('_count'));
  const offset = nonNegativeInt(pageUrl.searchParams.get('_offset')) ?? 0;
  if (count && bundle.total !== undefined && bundle.total > offset + count) {
    const next = new URL(pageUrl);
    next.searchParams.set('_offset', String(offset + count));
    link.push({ relation: 'next', url: next.toString() });
  }
  return { ...bundle, link };
}

function nonNegativeInt(value: string | null): number | undefined {
  if (value === null || !/^\d+$/.test(value)) return undefined;
  return Number(value);
}
