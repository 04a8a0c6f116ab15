import { Queue } from 'bullmq';
import type { RedisConnection } from './redis-connection.js';
import {
  QUEUE,
  type EventJobData,
  type InvitationJobData,
  type KpiJobData,
  type PollJobData,
  type QueueName,
  type ResultJobData,
} from './job-types.js';
import { defaultJobOptions } from './queue-options.js';
import type { QueueSettingsByName } from './queue-settings.js';

/** The service's queues on one connection. */
export interface Queues {
  events: Queue<EventJobData>;
  invitations: Queue<InvitationJobData>;
  /** Polls, sweeps and gap checks of the configured sources (see src/polling/poll-scheduler.ts). */
  poll: Queue<PollJobData>;
  /** Results posted by decision-aid platforms, to be written into the record (see src/pro/result-job.ts). */
  results: Queue<ResultJobData>;
  /** The monthly MeasureReport (see src/kpi/kpi-job.ts). */
  kpi: Queue<KpiJobData>;
  close(): Promise<void>;
}

/** Opens every queue with the prefix and the queue's own default job options. */
export function createQueues(
  connection: RedisConnection,
  options: { queuePrefix: string; queues: QueueSettingsByName },
  onError: (err: Error) => void = () => undefined, // connection errors also reach the connection's own listener
): Queues {
  const open = (name: QueueName) => {
    const queue = new Queue(name, {
      connection,
      prefix: options.queuePrefix,
      defaultJobOptions: defaultJobOptions(options.queues[name]),
    });
    queue.on('error', onError);
    return queue;
  };
  const queues = {
    events: open(QUEUE.events) as Queue<EventJobData>,
    invitations: open(QUEUE.invitations) as Queue<InvitationJobData>,
    poll: open(QUEUE.poll) as Queue<PollJobData>,
    results: open(QUEUE.results) as Queue<ResultJobData>,
    kpi: open(QUEUE.kpi) as Queue<KpiJobData>,
  };
  return {
    ...queues,
    close: async () => {
      await Promise.all(Object.values(queues).map((queue) => queue.close()));
    },
  };
}
