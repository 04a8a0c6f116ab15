import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config/load-config.js';
import { QUEUE, type EventJobData, type InvitationJobData } from './job-types.js';
import { defaultJobOptions } from './queue-options.js';

/** The service's queues on one connection. */
export interface Queues {
  events: Queue<EventJobData>;
  invitations: Queue<InvitationJobData>;
  close(): Promise<void>;
}

/** Opens the queues with the configured prefix and default job options. */
export function createQueues(
  connection: Redis,
  config: Pick<Config, 'queuePrefix' | 'workers' | 'retention'>,
  onError: (err: Error) => void = () => undefined, // connection errors also reach the connection's own listener
): Queues {
  const defaults = defaultJobOptions(config);
  const events = new Queue<EventJobData>(QUEUE.events, { connection, prefix: config.queuePrefix, defaultJobOptions: defaults });
  const invitations = new Queue<InvitationJobData>(QUEUE.invitations, {
    connection,
    prefix: config.queuePrefix,
    defaultJobOptions: defaults,
  });
  events.on('error', onError);
  invitations.on('error', onError);
  return {
    events,
    invitations,
    close: async () => {
      await Promise.all([events.close(), invitations.close()]);
    },
  };
}
