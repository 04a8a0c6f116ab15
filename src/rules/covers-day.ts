import type { Period } from '@medplum/fhirtypes';

/**
 * Whether a Period (absent: always) covers a calendar day (`YYYY-MM-DD`). Compared as text on the
 * date, so a partial date (`2024`, `2024-05`) covers its whole year or month and time zones of
 * the bounds do not shift the day.
 */
export function coversDay(period: Period | undefined, day: string): boolean {
  const start = period?.start?.slice(0, 10);
  const end = period?.end?.slice(0, 10);
  if (start && day.slice(0, start.length) < start) return false;
  if (end && day.slice(0, end.length) > end) return false;
  return true;
}
