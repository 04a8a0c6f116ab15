/** Milliseconds per unit. Years and months have no fixed length; 365 and 30 days are close enough for reflection times and throttle windows. */
const UNIT_MS = {
  Y: 365 * 86_400_000,
  M: 30 * 86_400_000,
  W: 7 * 86_400_000,
  D: 86_400_000,
  H: 3_600_000,
  Min: 60_000,
  S: 1000,
} as const;

/** `PnYnMnWnDTnHnMnS`; every part optional, decimals (with `.` or `,`) allowed. */
const DURATION_PATTERN =
  /^P(?:(\d+(?:[.,]\d+)?)Y)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)W)?(?:(\d+(?:[.,]\d+)?)D)?(?:T(?:(\d+(?:[.,]\d+)?)H)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)S)?)?$/;

/**
 * Converts an ISO 8601 duration (`PT2H`, `P30D`, `P1Y2M`) to milliseconds, or `undefined` when the
 * text is not one. Years count as 365 days and months as 30 days.
 */
export function parseIsoDuration(text: string): number | undefined {
  const match = DURATION_PATTERN.exec(text.trim());
  if (!match) return undefined;
  const parts = match.slice(1);
  if (parts.every((part) => part === undefined)) return undefined; // "P" or "PT" alone
  if (text.includes('T') && parts.slice(4).every((part) => part === undefined)) return undefined; // "P1DT"
  const units = [UNIT_MS.Y, UNIT_MS.M, UNIT_MS.W, UNIT_MS.D, UNIT_MS.H, UNIT_MS.Min, UNIT_MS.S];
  let total = 0;
  parts.forEach((part, index) => {
    if (part !== undefined) total += Number(part.replace(',', '.')) * (units[index] ?? 0);
  });
  return Math.round(total);
}
