import { createHash } from 'node:crypto';

/**
 * A BullMQ job id from a natural key. BullMQ refuses ids with ':' and all-digit ids, and event keys
 * contain URLs; a hash keeps ids short, valid and deterministic. The natural key stays in the job data.
 */
export function jobIdFor(kind: 'evt', naturalKey: string): string {
  return `${kind}-${createHash('sha256').update(naturalKey).digest('hex').slice(0, 32)}`;
}
