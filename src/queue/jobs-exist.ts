import type { Queue } from 'bullmq';
import type { RedisConnection } from './redis-connection.js';

/**
 * Which of these job ids the queue already holds (one EXISTS per id). Why: BullMQ's `addBulk`
 * answers a job id that already exists exactly as a new one, so a duplicate can only be told by
 * looking first. Sent together with the add on the queue's own connection, Redis runs the EXISTS
 * first and the answer costs no extra round trip; two copies of one event arriving at the same
 * instant may both count as new. Plain commands, not a pipeline: ioredis's pipeline object costs
 * more than the command itself (measured: enqueue rate -50% with a pipeline, -4% without).
 */
export async function jobsExist(redis: RedisConnection, queue: Queue, jobIds: readonly string[]): Promise<boolean[]> {
  const answers = await Promise.all(jobIds.map((id) => redis.exists(queue.toKey(id))));
  return answers.map((count) => count === 1);
}
