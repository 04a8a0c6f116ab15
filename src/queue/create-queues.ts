import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config/load-config.js';
import {
  QUEUE,
  type EventJobData,
  type InvitationJobData,
  type KpiJobData,
  type PollJobData,
  type ResultJobData,
} from './job-types.js';
import { defaultJobOptions } from './queue-options.js';

/** The service's queues on one connection. */
export interface Queues {
  events: Queue<EventJobData>;
  invitations: Queue<InvitationJobData>;
  /** Polls, sweeps and gap checks of the configured sources (see src/intake/poll-scheduler.ts). */
  poll: Queue<PollJobData>;
  /** Results posted by decision-aid platforms, to be written into the record (see src/pro/result-job.ts). */
  results: Queue<ResultJobData>;
  /** The monthly MeasureReport (see src/kpi/kpi-job.ts). */
  kpi: Queue<KpiJobData>;
  close(): Promise<void>;
}

/** Opens the queues with the configured prefix and default job options. */
export function createQueues(
  connection: Redis,
  config: Pick<Config, 'queuePrefix' | 'workers' | 'retention'>,
  onError: (err: Error) => void = () => undefined, // connection errors also reach the connection's own listener
): Queues {
  const defaults = defaultJobOptions(config);
  const events = new Queue<EventJobData>(QUEUE.events, {
    connection,
    prefix: config.queuePrefix,
    defaultJobOptions: defaults,
  });
  const invitations = new Queue<InvitationJobData>(QUEUE.invitations, {
    connection,
    prefix: config.queuePrefix,
    defaultJobOptions: defaults,
  });
  const poll = new Queue<PollJobData>(QUEUE.poll, {
    connection,
    prefix: config.queuePrefix,
    defaultJobOptions: defaults,
  });
  const results = new Queue<ResultJobData>(QUEUE.results, {
    connection,
    prefix: config.queuePrefix,
    defaultJobOptions: defaults,
  });
  const kpi = new Queue<KpiJobData>(QUEUE.kpi, { connection, prefix: config.queuePrefix, defaultJobOptions: defaults });
  events.on('error', onError);
  invitations.on('error', onError);
  poll.on('error', onError);
  results.on('error', onError);
  kpi.on('error', onError);
  return {
    events,
    invitations,
    poll,
    results,
    kpi,
    close: async () => {
      await Promise.all([events.close(), invitations.close(), poll.close(), results.close(), kpi.close()]);
    },
  };
}
