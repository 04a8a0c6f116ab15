import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from './config/load-config.js';
import { createInvitationAdapter } from './decision-aids/invitation-adapter.js';
import { createInvitationJob } from './decision-aids/invitation-job.js';
import type { EpdClient } from './epd/epd-client.js';
import { createEpdClient } from './epd/fhir-kit-epd-client.js';
import { createApp } from './http/create-app.js';
import type { EpdEvent } from './intake/epd-event.js';
import { createEventJob, type PlannedInvitation } from './intake/event-job.js';
import { createRedisThrottleStore } from './intake/throttle-store.js';
import { createQueues, type Queues } from './queue/create-queues.js';
import { createWorker, type RunningWorker } from './queue/create-worker.js';
import { jobIdFor } from './queue/job-id.js';
import { QUEUE, type EventJobData, type InvitationJobData } from './queue/job-types.js';
import { whenRedisReady } from './queue/fail-fast.js';
import { createRedisConnection } from './queue/redis-connection.js';
import type { CompiledMappings } from './rules/compile-mappings.js';
import { loadMappings } from './rules/load-mappings.js';
import type { Logger } from './shared/logger.js';

/** A running service (API, workers, or both); `close` stops it in order. */
export interface RunningService {
  /** Base URL of the HTTP API, when this process serves it. */
  url?: string;
  queues: Queues;
  mappings: CompiledMappings;
  close(): Promise<void>;
}

/** Test seams: anything left out is built from the config. */
export interface ServiceOverrides {
  epd?: EpdClient;
  mappings?: CompiledMappings;
  /** Environment for `${VAR}` substitution and secrets in mapping files (default: process.env). */
  env?: Record<string, string | undefined>;
  now?: () => Date;
}

/**
 * The one place that wires real adapters: config → Redis → queues → HTTP app and/or workers.
 * Used by `main.ts`, the demo and the end-to-end tests, so all three run the same code.
 */
export async function startService(config: Config, log: Logger, overrides: ServiceOverrides = {}): Promise<RunningService> {
  const mappings = overrides.mappings ?? (await loadMappings(config.mappingsDir, overrides.env ?? process.env));
  const getMappings = () => mappings;
  const now = overrides.now ?? (() => new Date());
  const intakeRedis = createRedisConnection(config.redisUrl, 'intake');
  const workerRedis = createRedisConnection(config.redisUrl, 'worker');
  intakeRedis.on('error', (err) => log.warn({ reason: err.message }, 'intake Redis connection error'));
  workerRedis.on('error', (err) => log.warn({ reason: err.message }, 'worker Redis connection error'));
  const intakeQueues = createQueues(intakeRedis, config);
  const workerQueues = createQueues(workerRedis, config);
  const epd = overrides.epd ?? createEpdClient({ baseUrl: config.epd.baseUrl, auth: config.epd.auth, timeoutMs: config.epd.timeoutMs });

  let server: Server | undefined;
  let url: string | undefined;
  if (config.role !== 'worker') {
    const app = createApp({
      log,
      notify: {
        sources: config.sources,
        maxBodyBytes: config.maxBodyBytes,
        relevantTypes: () => getMappings().resourceTypes,
        enqueueEvents: (events) => whenRedisReady(intakeRedis, () => enqueueEvents(intakeQueues, events)),
      },
    });
    server = await listen(app, config.port, config.host);
    const { port } = server.address() as AddressInfo;
    url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
    log.info({ port }, 'api listening');
  }

  const workers: RunningWorker[] = [];
  if (config.role !== 'api') {
    const eventJob = createEventJob({
      epd,
      getMappings,
      throttle: createRedisThrottleStore(workerRedis, config.queuePrefix),
      enqueueInvitations: (planned) => enqueueInvitations(workerQueues, planned),
    });
    const invitationJob = createInvitationJob({
      epd,
      getMappings,
      adapterFor: (aid) => createInvitationAdapter(aid),
      pseudonymSecret: config.pseudonymSecret,
      now,
    });
    workers.push(
      createWorker<EventJobData, unknown>({ queue: QUEUE.events, prefix: config.queuePrefix, connection: workerRedis, concurrency: config.workers.eventConcurrency, log, handler: eventJob }),
      createWorker<InvitationJobData, unknown>({ queue: QUEUE.invitations, prefix: config.queuePrefix, connection: workerRedis, concurrency: config.workers.invitationConcurrency, log, handler: invitationJob }),
    );
  }

  return {
    ...(url ? { url } : {}),
    queues: workerQueues,
    mappings,
    async close() {
      if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
      await Promise.all(workers.map((w) => w.close()));
      await Promise.all([intakeQueues.close(), workerQueues.close()]);
      intakeRedis.disconnect();
      workerRedis.disconnect();
    },
  };
}

/** One events job per event, id from the event key: a redelivered event is accepted and not queued again. */
export async function enqueueEvents(queues: Queues, events: EpdEvent[]): Promise<void> {
  if (events.length === 0) return;
  await queues.events.addBulk(events.map((e) => ({ name: e.resourceType, data: e, opts: { jobId: jobIdFor('evt', e.eventKey) } })));
}

async function enqueueInvitations(queues: Queues, planned: PlannedInvitation[]): Promise<void> {
  if (planned.length === 0) return;
  await queues.invitations.addBulk(
    planned.map((p) => ({ name: p.data.keyMoment, data: p.data, opts: { jobId: p.jobId, delay: p.delayMs } })),
  );
}

function listen(app: ReturnType<typeof createApp>, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (err?: Error) => (err ? reject(err) : resolve(server)));
  });
}
