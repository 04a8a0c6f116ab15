/** A FHIR date (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`), the only shapes a birth date may take. */
const FHIR_DATE = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/;
/** The calendar date at the start of a FHIR date or dateTime. */
const DATE_PREFIX = /^(\d{4})-(\d{2})-(\d{2})(?:$|T)/;

/**
 * Age in whole years on a calendar day (the birthday itself counts, the day before does not), or
 * `undefined` when a date is invalid or a partial birth date (`2012`, `2012-05`) leaves the age
 * ambiguous on that day. `onDate` may be a dateTime: its own calendar date is used, as written.
 */
export function ageOnDate(birthDate: string, onDate: string): number | undefined {
  const on = DATE_PREFIX.exec(onDate);
  const birth = FHIR_DATE.exec(birthDate);
  if (!on || !birth) return undefined;
  const [onYear, onMonth, onDay] = [Number(on[1]), Number(on[2]), Number(on[3])];
  const year = Number(birth[1]);
  if (Number(birth[2] ?? 1) > 12 || Number(birth[3] ?? 1) > 31) return undefined;
  // A partial date: the earliest and latest possible birthdays must give the same age.
  const earliest = wholeYears(year, Number(birth[2] ?? 1), Number(birth[3] ?? 1), onYear, onMonth, onDay);
  const latest = wholeYears(year, Number(birth[2] ?? 12), Number(birth[3] ?? 31), onYear, onMonth, onDay);
  if (earliest !== latest || earliest < 0) return undefined;
  return earliest;
}

function wholeYears(year: number, month: number, day: number, onYear: number, onMonth: number, onDay: number): number {
  const hadBirthday = onMonth > month || (onMonth === month && onDay >= day);
  return onYear - year - (hadBirthday ? 0 : 1);
}
