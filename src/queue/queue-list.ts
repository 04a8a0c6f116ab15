import { Queue } from 'bullmq';
import type { Queues } from './create-queues.js';

/**
 * Every queue of a `Queues` set, whatever queues it holds: the dashboard, the depth metrics and
 * `sdm-bridge replay` see a queue added to create-queues.ts without a change of their own.
 */
export function queueList(queues: Queues): Queue[] {
  return Object.values(queues).filter((value): value is Queue => value instanceof Queue);
}
