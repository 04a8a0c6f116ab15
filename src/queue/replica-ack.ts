import { Cluster } from 'ioredis';
import { AppError } from '../shared/errors.js';
import type { RedisConnection } from './redis-connection.js';

/** How long intake waits for replicas to confirm a job; inside ENQUEUE_TIMEOUT_MS, so the 503 is ours. */
export const REPLICA_ACK_TIMEOUT_MS = 1_000;

/**
 * Resolves once at least `minReplicas` replicas hold every write this connection made so far
 * (Redis `WAIT`), or throws a 503 the sender retries. Why: replication is asynchronous, so a
 * master that crashes right after a write can take it along, and the replica promoted in its
 * place never saw it. A notification answered 202 is gone from the sender; it must therefore be
 * acknowledged only once a replica has the job. 0 switches the check off (a single Redis).
 *
 * On a cluster `WAIT` goes to every master through the same node connections the writes used:
 * a master this connection did not write to answers at once.
 */
export async function confirmReplicated(
  redis: RedisConnection,
  minReplicas: number,
  timeoutMs = REPLICA_ACK_TIMEOUT_MS,
): Promise<void> {
  if (minReplicas <= 0) return;
  const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
  const acks = await Promise.all(nodes.map((node) => node.call('WAIT', minReplicas, timeoutMs) as Promise<number>));
  const fewest = Math.min(...acks);
  if (fewest < minReplicas) {
    throw new AppError(
      `the queue could not confirm the job on ${minReplicas} replica(s) (${fewest} did); retry later`,
      { status: 503, code: 'transient', retry: true },
    );
  }
}
