/** The hospitals this serves are Dutch: narratives show dates and times on the Dutch clock. */
const TIME_ZONE = 'Europe/Amsterdam';

const DATE = new Intl.DateTimeFormat('nl-NL', { dateStyle: 'long', timeZone: TIME_ZONE });
const TIME = new Intl.DateTimeFormat('nl-NL', { hour: '2-digit', minute: '2-digit', timeZone: TIME_ZONE });

/** `2 maart 2026` for an ISO date or date-time, in Amsterdam; the input itself when it cannot be read. */
export function dutchDate(iso: string): string {
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? iso : DATE.format(at);
}

/** `19 december 2026 om 23:31` (Amsterdam time) for an ISO date-time; the input itself when it cannot be read. */
export function dutchDateTime(iso: string): string {
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? iso : `${DATE.format(at)} om ${TIME.format(at)}`;
}
