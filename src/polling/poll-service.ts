import type { IntakeSource, PollConfig } from '../config/load-config.js';
import type { EpdClient } from '../epd/epd-client.js';
import type { SubscriptionStatusClient } from '../gaps/gap-status-client.js';
import { createGapWatch, type NotificationHook } from '../gaps/gap-watch.js';
import type { EpdEvent } from '../intake/epd-event.js';
import type { JobHandler } from '../queue/create-worker.js';
import type { PollJobData } from '../queue/job-types.js';
import { AppError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { createPollJob } from './poll-job.js';
import type { PollScheduler } from './poll-scheduler.js';
import type { PollResult } from './poll-source.js';
import type { PollStores } from './poll-stores.js';

/** What polling needs: its settings and ports, each side on its own Redis connection. */
export interface PollServiceDeps {
  log: Logger;
  sources: readonly IntakeSource[];
  settings: PollConfig;
  epd: EpdClient;
  /** The EPD's base URL: the namespace of event keys. */
  epdBase: string;
  statusClient: SubscriptionStatusClient;
  now: () => Date;
  /** Resource types to search when a source names none: what the mapping files need. */
  mappedTypes: () => Iterable<string>;
  /** The notify route's side, on the fail-fast connection; `whenReady` refuses at once while Redis is away. */
  intake: {
    stores: Pick<PollStores, 'counters' | 'tracker'>;
    scheduler: PollScheduler;
    whenReady: <T>(write: () => Promise<T>) => Promise<T>;
  };
  /** The `poll` job's side, on the worker connection. */
  worker: { stores: PollStores; scheduler: PollScheduler };
  /** The intake path's enqueue (job id from the event key), on the worker connection. */
  enqueueEvents: (events: EpdEvent[]) => Promise<void>;
}

/** Polling, sweeps and gap detection: hooks for the notify route, and the `poll` queue's handler. */
export interface PollService {
  /** An empty ping: queue an immediate poll of the source (503 when Redis cannot take it). */
  onEmptyPing(source: string): Promise<void>;
  /** Every accepted notification: event-number bookkeeping (503 when Redis cannot take it). */
  onNotification: NotificationHook;
  /** The handler of the `poll` queue. */
  job: JobHandler<PollJobData, PollResult>;
  /** Creates or updates the job schedulers of every source (every worker process may call it). */
  startSchedules(): Promise<void>;
}

/** Ties the poll job, the gap watch and the schedulers to the ports it is given. */
export function createPollService(deps: PollServiceDeps): PollService {
  const { intake, worker, settings } = deps;
  const gapWatch = createGapWatch({
    ...intake.stores,
    scheduleGapCheck: (source, sub, from) => intake.scheduler.scheduleGapCheck(source, sub, from),
    log: deps.log,
  });
  const failFast = <T>(write: () => Promise<T>) =>
    intake.whenReady(write).catch((err: unknown) => {
      if (err instanceof AppError) throw err;
      throw new AppError('the queue is unavailable; retry later', {
        status: 503,
        code: 'transient',
        retry: true,
        cause: err,
      });
    });
  const pollTypes = new Map(deps.sources.map((s) => [s.id, s.pollTypes]));
  const knownSources = new Set(deps.sources.map((s) => s.id));
  return {
    onEmptyPing: (source) =>
      failFast(async () => {
        await intake.scheduler.requestPoll(source, 'ping');
        await intake.stores.counters.add(source, 'pings');
      }),
    onNotification: (source, parsed, receivedAt) => failFast(() => gapWatch(source, parsed, receivedAt)),
    job: createPollJob({
      ...worker.stores,
      epd: deps.epd,
      enqueueEvents: deps.enqueueEvents,
      pageSize: settings.pageSize,
      epdBase: deps.epdBase,
      now: deps.now,
      settings,
      typesFor: (source) => pollTypes.get(source) ?? [...deps.mappedTypes()],
      scheduleGapCheck: (source, sub, from) => worker.scheduler.scheduleGapCheck(source, sub, from),
      statusClient: deps.statusClient,
      knownSources: () => knownSources,
    }),
    startSchedules: () => worker.scheduler.start(),
  };
}

/** How long queued event keys must be remembered: a sweep's whole window must still be known when it reads it again. */
export function seenRetentionMs(settings: PollConfig): number {
  return settings.reconcileWindowMs + settings.overlapMs + settings.maxWindowMs;
}
