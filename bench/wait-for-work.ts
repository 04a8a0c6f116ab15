import type { Queues } from '../src/queue/create-queues.js';
import { waitForQueuesToDrain } from '../src/sandbox/wait-for-queues.js';

/** True when both queues ran empty within `capMs`; false when work was still queued then. */
export async function drainedWithin(queues: Queues, capMs: number): Promise<boolean> {
  try {
    await waitForQueuesToDrain(queues, capMs);
    return true;
  } catch (err) {
    if (/still busy/.test((err as Error).message)) return false;
    throw err;
  }
}
