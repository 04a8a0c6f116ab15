/** A failing EPD is still tried at least every quarter of an hour, so recovery is noticed soon. */
const MAX_BACKOFF_MS = 15 * 60_000;

/**
 * How long the scheduled polls of a source pause after `failures` failed polls in a row: the poll
 * interval, doubling with each further failure, capped; an EPD's own `Retry-After` wins when longer.
 */
export function pollBackoffMs(failures: number, intervalMs: number, retryAfterMs?: number): number {
  const exponential = Math.min(MAX_BACKOFF_MS, intervalMs * 2 ** Math.max(0, failures - 1));
  return Math.max(exponential, retryAfterMs ?? 0);
}
