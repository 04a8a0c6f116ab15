/** A calendar month as the KPIs count it, `YYYY-MM`. */
export type Month = string;

/** `YYYY-MM` with a real month. */
const MONTH_PATTERN = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** No range is longer than five years: a longer one would page through the whole record for one page view. */
export const MAX_MONTHS = 60;

/** True for `2026-10`, false for `2026-13` or `2026-1`. */
export function isMonth(text: string): text is Month {
  return MONTH_PATTERN.test(text);
}

/** The month an instant falls in, on the calendar of `timeZone` (a Task at 23:30 UTC on 31 October is November in Amsterdam). */
export function monthOf(instant: string | Date, timeZone: string): Month {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit' }).formatToParts(
    new Date(instant),
  );
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}`;
}

/** The month `count` months after (or before, when negative) `month`. */
export function addMonths(month: Month, count: number): Month {
  const [year, index] = split(month);
  const total = year * 12 + (index - 1) + count;
  return `${Math.floor(total / 12)}-${String((total % 12) + 1).padStart(2, '0')}`;
}

/** Every month from `from` to `to`, both included; empty when `to` is before `from`. */
export function monthsBetween(from: Month, to: Month): Month[] {
  const months: Month[] = [];
  for (let m = from; m <= to && months.length <= MAX_MONTHS; m = addMonths(m, 1)) months.push(m);
  return months;
}

/** The first instant of a month in `timeZone`, as an ISO 8601 UTC string (for `authored-on=ge…` searches). */
export function monthStart(month: Month, timeZone: string): string {
  const [year, index] = split(month);
  const midnightUtc = Date.UTC(year, index - 1, 1);
  // Local midnight = UTC midnight minus the zone's offset; the offset is read again at the result
  // because it may differ across a daylight-saving change (never at a month's start in Europe, but cheap).
  let instant = midnightUtc - offsetMs(midnightUtc, timeZone);
  instant = midnightUtc - offsetMs(instant, timeZone);
  return new Date(instant).toISOString();
}

/** The start and end (exclusive) of a month in `timeZone`, as FHIR Period bounds. */
export function monthBounds(month: Month, timeZone: string): { start: string; end: string } {
  return { start: monthStart(month, timeZone), end: monthStart(addMonths(month, 1), timeZone) };
}

function split(month: Month): [number, number] {
  const match = MONTH_PATTERN.exec(month);
  if (!match) throw new RangeError(`not a month (YYYY-MM): ${month}`);
  return [Number(match[1]), Number(match[2])];
}

/** How far `timeZone` is ahead of UTC at an instant, in ms. */
function offsetMs(instant: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(instant));
  const value = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const local = Date.UTC(
    value('year'),
    value('month') - 1,
    value('day'),
    value('hour'),
    value('minute'),
    value('second'),
  );
  return local - Math.floor(instant / 1000) * 1000;
}
