import type { Redis } from 'ioredis';
import type { Config } from '../config/load-config.js';
import type { EpdGet } from '../epd/connect-epd.js';
import type { EpdClient } from '../epd/epd-client.js';
import type { Queues } from '../queue/create-queues.js';
import { createWorker, type RunningWorker } from '../queue/create-worker.js';
import { whenRedisReady } from '../queue/fail-fast.js';
import { QUEUE, type PollJobData } from '../queue/job-types.js';
import type { CompiledMappings } from '../rules/compile-mappings.js';
import { AppError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { createRedisCursorStore } from './cursor-store.js';
import type { EpdEvent } from '../intake/epd-event.js';
import { createSubscriptionStatusClient } from '../gaps/gap-status-client.js';
import { createRedisGapTracker } from '../gaps/gap-tracker.js';
import { createGapWatch, type NotificationHook } from '../gaps/gap-watch.js';
import { createRedisIntakeCounters } from './poll-counters.js';
import { createPollJob, type PollJobDeps } from './poll-job.js';
import { createRedisPollLock } from './poll-lock.js';
import { createPollScheduler } from './poll-scheduler.js';
import type { PollResult } from './poll-source.js';

/** Poll jobs at once per worker process: one per source at most runs (lock), the rest wait or skip. */
const POLL_CONCURRENCY = 4;

/** What the polling side needs from `startService`. */
export interface PollServiceOptions {
  config: Config;
  log: Logger;
  epd: EpdClient;
  /** GETs outside the FHIR port (`$status`), over the EPD connection's transport and token. */
  epdGet: EpdGet;
  getMappings: () => CompiledMappings;
  now: () => Date;
  intakeRedis: Redis;
  workerRedis: Redis;
  intakeQueues: Queues;
  workerQueues: Queues;
  /** The intake path's enqueue (job id from the event key), on the worker connection. */
  enqueueEvents: (events: EpdEvent[]) => Promise<void>;
}

/** Polling, sweeps and gap detection: hooks for the notify route and the `poll` worker. */
export interface PollService {
  /** An empty ping: queue an immediate poll of the source (503 when Redis cannot take it). */
  onEmptyPing(source: string): Promise<void>;
  /** Every accepted notification: event-number bookkeeping (503 when Redis cannot take it). */
  onNotification: NotificationHook;
  /** Starts the `poll` worker and upserts the job schedulers. */
  startWorker(): Promise<RunningWorker>;
}

/** Wires cursor store, lock, counters, gap tracker and scheduler over Redis for one process. */
export function createPollService(o: PollServiceOptions): PollService {
  const { config, log } = o;
  const prefix = config.queuePrefix;
  const intakeScheduler = createPollScheduler({
    queue: o.intakeQueues.poll,
    sources: config.sources,
    settings: config.poll,
    now: o.now,
  });
  const intakeCounters = createRedisIntakeCounters(o.intakeRedis, prefix);
  const gapWatch = createGapWatch({
    tracker: createRedisGapTracker(o.intakeRedis, prefix),
    counters: intakeCounters,
    scheduleGapCheck: (source, sub, from) => intakeScheduler.scheduleGapCheck(source, sub, from),
    log,
  });
  const failFast = <T>(write: () => Promise<T>) =>
    whenRedisReady(o.intakeRedis, write).catch((err: unknown) => {
      if (err instanceof AppError) throw err;
      throw new AppError('the queue is unavailable; retry later', {
        status: 503,
        code: 'transient',
        retry: true,
        cause: err,
      });
    });
  return {
    onEmptyPing: (source) =>
      failFast(async () => {
        await intakeScheduler.requestPoll(source, 'ping');
        await intakeCounters.add(source, 'pings');
      }),
    onNotification: (source, parsed, receivedAt) => failFast(() => gapWatch(source, parsed, receivedAt)),
    async startWorker() {
      const scheduler = createPollScheduler({
        queue: o.workerQueues.poll,
        sources: config.sources,
        settings: config.poll,
        now: o.now,
      });
      const handler = createPollJob({
        ...workerDeps(o, scheduler.scheduleGapCheck),
        knownSources: () => new Set(config.sources.map((s) => s.id)),
      });
      const worker = createWorker<PollJobData, PollResult>({
        queue: QUEUE.poll,
        prefix,
        connection: o.workerRedis,
        concurrency: POLL_CONCURRENCY,
        log,
        handler,
      });
      await scheduler.start();
      return worker;
    },
  };
}

function workerDeps(o: PollServiceOptions, scheduleGapCheck: PollJobDeps['scheduleGapCheck']): PollJobDeps {
  const { config } = o;
  const prefix = config.queuePrefix;
  // Keys of a sweep's whole window must still be known when the sweep reads it again.
  const seenRetentionMs = config.poll.reconcileWindowMs + config.poll.overlapMs + config.poll.maxWindowMs;
  const pollTypes = new Map(config.sources.map((s) => [s.id, s.pollTypes]));
  return {
    epd: o.epd,
    cursors: createRedisCursorStore(o.workerRedis, prefix, seenRetentionMs),
    enqueueEvents: o.enqueueEvents,
    pageSize: config.poll.pageSize,
    now: o.now,
    lock: createRedisPollLock(o.workerRedis, prefix),
    counters: createRedisIntakeCounters(o.workerRedis, prefix),
    settings: config.poll,
    typesFor: (source) => pollTypes.get(source) ?? [...o.getMappings().resourceTypes],
    tracker: createRedisGapTracker(o.workerRedis, prefix),
    scheduleGapCheck,
    statusClient: createSubscriptionStatusClient({ get: o.epdGet, epd: o.epd }),
  };
}
