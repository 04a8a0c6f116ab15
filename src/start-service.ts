import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuditDeps } from './audit/record-audit.js';
import { withResultAudit } from './audit/with-result-audit.js';
import type { Config } from './config/load-config.js';
import { createInvitationAdapter } from './decision-aids/invitation-adapter.js';
import { createInvitationJob } from './decision-aids/invitation-job.js';
import { publicJwks } from './epd/smart-backend-auth.js';
import { cancelWaitingInvitations } from './events/cancel-waiting-invitations.js';
import { enqueueInvitations } from './events/enqueue-invitations.js';
import { createEventJob } from './events/event-job.js';
import { createThrottleStore } from './events/throttle-store.js';
import { createApp } from './http/create-app.js';
import { listenApi } from './http/listen-api.js';
import { startMetricsListener, type MetricsListener } from './http/metrics-listener.js';
import { createRedisSeenSignatures } from './http/replay-guard.js';
import { DEFAULT_SIGNATURE_MAX_AGE_SECONDS, signatureWindowSeconds } from './http/verify-source.js';
import { enqueueEvents } from './intake/enqueue-events.js';
import { createKpiJob } from './kpi/kpi-job.js';
import { scheduleKpiReports } from './kpi/kpi-scheduler.js';
import type { KpiService } from './kpi/kpi-service.js';
import { acceptResult } from './pro/accept-result.js';
import { enqueueResult } from './pro/enqueue-result.js';
import { prepareResults } from './pro/prepare-results.js';
import { createResultJob } from './pro/result-job.js';
import type { Queues } from './queue/create-queues.js';
import { createWorker, type JobHandler } from './queue/create-worker.js';
import { whenRedisReady } from './queue/fail-fast.js';
import { confirmReplicated } from './queue/replica-ack.js';
import { QUEUE, type QueueName } from './queue/job-types.js';
import { queueList } from './queue/queue-list.js';
import type { CompiledMappings } from './rules/compile-mappings.js';
import { createObjectionPolicy } from './rules/objection-policy.js';
import { loadResourceDefinitions, SERVICE_RESOURCE_TYPES } from './shared/fhir-definitions.js';
import type { Logger } from './shared/logger.js';
import { keepValueSetsFresh, logValueSets } from './terminology/keep-value-sets-fresh.js';
import { loadLiveMappings } from './terminology/load-live-mappings.js';
import { wireParts, type Parts, type ServiceOverrides } from './wire-parts.js';

export type { ServiceOverrides } from './wire-parts.js';
import {
  countInvitation,
  invitationObserver,
  jobObserver,
  resultObserver,
  type JobAttempt,
  type Metrics,
} from './shared/metrics.js';

/** A running service (API, workers, or both); `close` stops it in order. */
export interface RunningService {
  /** Base URL of the HTTP API, when this process serves it. */
  url?: string;
  queues: Queues;
  mappings: CompiledMappings;
  /** This service's metrics; whoever counts something gets them through its deps. */
  metrics: Metrics;
  /** Base URL of the operations listener (/metrics), when METRICS_PORT is set. */
  metricsUrl?: string;
  /** Where AuditEvents go (the EPD, or AUDIT_BASE_URL): for every writer of the audit trail, e.g. the results job. */
  audit: AuditDeps;
  /** The KPIs computed from the record (the page, the CLI and the demo read the same). */
  kpi: KpiService;
  /** The express apps, for the test that compares the served routes with the OpenAPI document. */
  apps: { api?: ReturnType<typeof createApp>; metrics?: MetricsListener['app'] };
  /** Asks the terminology server again for the value sets it expands now (else on TERMINOLOGY_REFRESH). */
  refreshValueSets(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The one place that wires real adapters: config → Redis → queues → HTTP app and/or workers.
 * Used by `main.ts`, the demo and the end-to-end tests, so all three run the same code.
 */
export async function startService(
  config: Config,
  log: Logger,
  overrides: ServiceOverrides = {},
): Promise<RunningService> {
  const env = overrides.env ?? process.env;
  const live =
    overrides.live ??
    (overrides.mappings
      ? undefined
      : await loadLiveMappings(config.mappingsDir, env, { terminology: config.terminology }));
  const mappings = overrides.mappings ?? live!.mappings;
  const questionnaires = overrides.questionnaires ?? (await prepareResults(config.mappingsDir, mappings));
  const parts = wireParts(config, log, overrides, mappings, questionnaires);
  const { metrics, readiness } = parts;
  if (live) logValueSets(live.valueSets, log);
  // Only where the events worker runs: the API never matches codes, so it has no use for new ones.
  const valueSets =
    live && config.role !== 'api'
      ? keepValueSetsFresh(live, config.terminology, { swapMappings: parts.swapMappings, metrics, log, now: parts.now })
      : undefined;
  const ops = config.metrics ? await startMetricsListener({ ...config.metrics, metrics, readiness, log }) : undefined;
  const api = config.role !== 'worker' ? await startApi(parts) : undefined;
  const workers = config.role !== 'api' ? await startWorkers(parts, mappings) : [];
  return {
    ...(api ? { url: api.url } : {}),
    queues: parts.queues.worker,
    mappings,
    metrics,
    kpi: parts.kpi,
    audit: parts.audit,
    ...(ops ? { metricsUrl: ops.url } : {}),
    apps: { ...(api ? { api: api.app } : {}), ...(ops ? { metrics: ops.app } : {}) },
    refreshValueSets: async () => void (await valueSets?.refresh()),
    async close() {
      await valueSets?.stop();
      await ops?.close();
      if (api) await new Promise<void>((resolve) => api.server.close(() => resolve()));
      await Promise.all(workers.map((w) => w.close()));
      await Promise.all([parts.queues.intake.close(), parts.queues.worker.close()]);
      parts.redis.intake.disconnect();
      parts.redis.worker.disconnect();
      await parts.epdConnection.close();
      await parts.koppeltaal?.connection.close();
    },
  };
}

/** The HTTP API: intake, results, KPI page, dashboard, health. */
async function startApi(parts: Parts): Promise<{ app: ReturnType<typeof createApp>; server: Server; url: string }> {
  const { config, log, metrics, kpi, epd, questionnaires, getMappings, polling } = parts;
  const { intake: redis } = parts.redis;
  const { intake: queues } = parts.queues;
  // What a sender is told 2xx about: on Redis, and on the replicas asked for (a crashed master's last writes die with it).
  const accepted = (write: () => Promise<void>) =>
    whenRedisReady(redis, async () => {
      await write();
      await confirmReplicated(redis, config.redisMinReplicasAck);
    });
  if (!config.adminToken) log.info('queue dashboard off: set ADMIN_TOKEN to serve it at /admin/queues');
  const app = createApp({
    log,
    readiness: parts.readiness,
    metrics,
    jwks: publishedKeys(config),
    // Results of signing aids use the default window, so the guard always remembers at least that long.
    replay: {
      seen: createRedisSeenSignatures(redis, config.queuePrefix),
      windowSeconds: Math.max(signatureWindowSeconds(config.sources), DEFAULT_SIGNATURE_MAX_AGE_SECONDS),
    },
    ...(config.adminToken
      ? { admin: { token: config.adminToken, queues: queueList(queues), allowActions: config.adminDashboardActions } }
      : {}),
    ...(config.adminToken ? { kpi: { token: config.adminToken, kpi } } : {}),
    notify: {
      sources: config.sources,
      epdBase: config.epd.baseUrl,
      maxBodyBytes: config.maxBodyBytes,
      relevantTypes: () => getMappings().resourceTypes,
      enqueueEvents: (events) => accepted(() => enqueueEvents(queues, events, { metrics, redis })),
      countNotification: (source, kind) => metrics.notifications.inc({ source, kind }),
      onEmptyPing: (source) => polling.onEmptyPing(source),
      onNotification: polling.onNotification,
    },
    results: {
      getMappings,
      maxBodyBytes: config.maxBodyBytes,
      acceptResult: (aid, body, receivedAt) => acceptResult(aid, body, receivedAt, { epd, questionnaires }),
      enqueueResult: (job) => accepted(() => enqueueResult(queues.results, job)),
    },
  });
  const server = await listenApi(app, config.port, config.host);
  const { port } = server.address() as AddressInfo;
  log.info({ port }, 'api listening');
  return { app, server, url: `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}` };
}

/** The public keys of this service's SMART clients (the EPD's and the Koppeltaal store's), each once. */
function publishedKeys(config: Config): ReturnType<typeof publicJwks> {
  const keys = [
    ...publicJwks(config.epd.auth).keys,
    ...(config.koppeltaal ? publicJwks(config.koppeltaal.auth).keys : []),
  ];
  return { keys: keys.filter((key, index) => keys.findIndex((other) => other.kid === key.kid) === index) };
}

/** One worker per queue, each with its handler and its queue's settings; then the schedules. */
async function startWorkers(parts: Parts, mappings: CompiledMappings): Promise<{ close(): Promise<void> }[]> {
  const { config, epd, getMappings, metrics, now, audit, kpi } = parts;
  // Before any job: reading the definitions blocks the process for half a second or more, and
  // inside a first job it would hold up the lock renewals of every job running beside it. Only
  // the types the rules and the writes meet: the rest would cost about 100 MB at the peak.
  loadResourceDefinitions([...SERVICE_RESOURCE_TYPES, ...mappings.resourceTypes]);
  const worker = workerFactory(parts);
  const workers = [
    worker(
      QUEUE.events,
      createEventJob({
        epd,
        identity: { epdBase: config.epd.baseUrl, invitationIdSecret: config.invitationIdSecret },
        getMappings,
        throttle: createThrottleStore(parts.redis.worker, config.queuePrefix),
        enqueueInvitations: (planned) => enqueueInvitations(parts.queues.worker, planned, metrics),
        cancelWaitingInvitations: (reference) => cancelWaitingInvitations(parts.queues.worker.invitations, reference),
        countThrottled: (decision) => countInvitation(metrics, decision, 'throttled'),
        countSkipped: (skip) => metrics.triggerSkips.inc({ trigger: skip.triggerId, reason: skip.skipClass }),
        objection: createObjectionPolicy(config.objection),
        epdBases: [config.epd.baseUrl, ...config.epd.trustedBaseUrls],
      }),
      jobObserver(metrics, QUEUE.events),
    ),
    worker(
      QUEUE.invitations,
      createInvitationJob({
        epd,
        getMappings,
        adapterFor: (aid) => createInvitationAdapter(aid),
        pseudonymSecret: config.pseudonymSecret,
        contactKeySecret: config.invitationIdSecret,
        now,
        audit,
        ...(parts.koppeltaal ? { koppeltaal: parts.koppeltaal.write } : {}),
      }),
      invitationObserver(metrics, QUEUE.invitations),
    ),
    worker(QUEUE.poll, parts.polling.job),
    worker(
      QUEUE.results,
      withResultAudit(
        createResultJob({ epd, questionnaires: parts.questionnaires, now }),
        audit,
        (id) => getMappings().decisionAids.get(id)?.title,
      ),
      resultObserver(metrics, QUEUE.results),
    ),
    worker(QUEUE.kpi, createKpiJob({ kpi }), jobObserver(metrics, QUEUE.kpi)),
  ];
  await parts.polling.startSchedules();
  await scheduleKpiReports(parts.queues.worker.kpi, config.kpi);
  return [...workers, parts.polling.keepSchedules()];
}

/** Starts the worker of one queue with that queue's settings and the shared lock and stall timing. */
function workerFactory(parts: Parts) {
  const { config, log } = parts;
  // Lock and stalled check decide how soon a crashed worker's jobs run again (docs/reliability.md).
  const { lockMs, stalledCheckMs, maxStalls, watchdogMs } = config.workers;
  const watchdog = (queue: QueueName) => {
    const jobs = parts.queues.worker[queue];
    return {
      everyMs: watchdogMs,
      queue: { ready: () => jobs.getJobCountByTypes('waiting', 'prioritized'), paused: () => jobs.isPaused() },
      onRestart: () => parts.metrics.workerRestarts.inc({ queue }),
    };
  };
  return <D, R>(queue: QueueName, handler: JobHandler<D, R>, observe?: (attempt: JobAttempt<D, R>) => void) =>
    createWorker<D, R>({
      queue,
      prefix: config.queuePrefix,
      connection: parts.redis.worker,
      concurrency: config.queues[queue].concurrency,
      maxBackoffMs: config.queues[queue].maxBackoffMs,
      log,
      handler,
      ...(observe ? { observe } : {}),
      lockMs,
      stalledCheckMs,
      maxStalls,
      ...(watchdogMs ? { watchdog: watchdog(queue) } : {}),
    });
}
