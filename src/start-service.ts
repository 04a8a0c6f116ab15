import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuditDeps } from './audit/record-audit.js';
import { withResultAudit } from './audit/with-result-audit.js';
import type { Config } from './config/load-config.js';
import { createInvitationAdapter } from './decision-aids/invitation-adapter.js';
import { createInvitationJob } from './decision-aids/invitation-job.js';
import type { EpdClient } from './epd/epd-client.js';
import { connectEpd } from './epd/connect-epd.js';
import { createApp } from './http/create-app.js';
import { createRedisSeenSignatures } from './http/replay-guard.js';
import { DEFAULT_SIGNATURE_MAX_AGE_SECONDS, signatureWindowSeconds } from './http/verify-source.js';
import { publicJwks } from './epd/smart-backend-auth.js';
import { startMetricsListener, type MetricsListener } from './http/metrics-listener.js';
import { createReadinessCheck } from './http/readiness.js';
import { createKpiJob } from './kpi/kpi-job.js';
import { scheduleKpiReports } from './kpi/kpi-scheduler.js';
import { createKpiService, type KpiService } from './kpi/kpi-service.js';
import { createEventJob } from './events/event-job.js';
import { enqueueInvitations } from './events/enqueue-invitations.js';
import { enqueueEvents } from './intake/enqueue-events.js';
import { createPollService } from './polling/poll-service.js';
import { createRedisThrottleStore } from './events/throttle-store.js';
import { createQueues, type Queues } from './queue/create-queues.js';
import { createWorker, type RunningWorker } from './queue/create-worker.js';
import {
  QUEUE,
  type EventJobData,
  type InvitationJobData,
  type KpiJobData,
  type ResultJobData,
} from './queue/job-types.js';
import { whenRedisReady } from './queue/fail-fast.js';
import { createRedisConnection } from './queue/redis-connection.js';
import { queueList } from './queue/queue-list.js';
import type { CompiledMappings } from './rules/compile-mappings.js';
import { loadMappings } from './rules/load-mappings.js';
import { createObjectionPolicy } from './rules/objection-policy.js';
import { acceptResult } from './pro/accept-result.js';
import { enqueueResult } from './pro/enqueue-result.js';
import { prepareResults } from './pro/prepare-results.js';
import type { QuestionnaireSet } from './pro/questionnaire-set.js';
import { createResultJob, RESULT_CONCURRENCY } from './pro/result-job.js';
import { loadResourceDefinitions, SERVICE_RESOURCE_TYPES } from './shared/fhir-definitions.js';
import type { Logger } from './shared/logger.js';
import {
  countInvitation,
  createMetrics,
  invitationObserver,
  jobObserver,
  resultObserver,
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
  close(): Promise<void>;
}

/** Test seams: anything left out is built from the config. */
export interface ServiceOverrides {
  epd?: EpdClient;
  mappings?: CompiledMappings;
  /** Environment for `${VAR}` substitution and secrets in mapping files (default: process.env). */
  env?: Record<string, string | undefined>;
  now?: () => Date;
  metrics?: Metrics;
  /** The Questionnaires results are checked against (default: `<MAPPINGS_DIR>/questionnaires/*.json`). */
  questionnaires?: QuestionnaireSet;
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
  const mappings = overrides.mappings ?? (await loadMappings(config.mappingsDir, overrides.env ?? process.env));
  const getMappings = () => mappings;
  const questionnaires = overrides.questionnaires ?? (await prepareResults(config.mappingsDir, mappings));
  const now = overrides.now ?? (() => new Date());
  const intakeRedis = createRedisConnection(config.redisUrl, 'intake');
  const workerRedis = createRedisConnection(config.redisUrl, 'worker');
  intakeRedis.on('error', (err) => log.warn({ reason: err.message }, 'intake Redis connection error'));
  workerRedis.on('error', (err) => log.warn({ reason: err.message }, 'worker Redis connection error'));
  const intakeQueues = createQueues(intakeRedis, config);
  const workerQueues = createQueues(workerRedis, config);
  // One transport and one token for every EPD call: FHIR client, token request, $status and /metadata.
  const epdConnection = connectEpd(config.epd);
  const epd = overrides.epd ?? epdConnection.client;
  // The audit trail goes to the EPD unless AUDIT_BASE_URL names another FHIR server (same auth and transport).
  const auditClient = config.audit.baseUrl === config.epd.baseUrl ? epd : epdConnection.clientFor(config.audit.baseUrl);
  const audit: AuditDeps = {
    client: auditClient,
    source: { sourceId: config.audit.sourceId, ...(config.audit.site ? { site: config.audit.site } : {}) },
    now,
  };
  const metrics = overrides.metrics ?? createMetrics();
  const kpi = createKpiService({ epd, settings: config.kpi, now, getMappings });
  metrics.watchQueues(queueList(intakeQueues)); // the fail-fast connection: a scrape never waits for a Redis that is away
  const readiness = createReadinessCheck({
    redis: config.role === 'worker' ? workerRedis : intakeRedis,
    epd: { get: epdConnection.get },
    getMappings,
  });
  const ops = config.metrics ? await startMetricsListener({ ...config.metrics, metrics, readiness, log }) : undefined;
  // Polled events take the intake path's enqueue, so a change both pushed and polled is one job.
  const polling = createPollService({
    config,
    log,
    epd,
    epdGet: epdConnection.get,
    getMappings,
    now,
    intakeRedis,
    workerRedis,
    intakeQueues,
    workerQueues,
    enqueueEvents: (events) => enqueueEvents(workerQueues, events, { metrics, redis: workerRedis }),
  });

  let server: Server | undefined;
  let url: string | undefined;
  let app: ReturnType<typeof createApp> | undefined;
  if (config.role !== 'worker') {
    if (!config.adminToken) log.info('queue dashboard off: set ADMIN_TOKEN to serve it at /admin/queues');
    app = createApp({
      log,
      readiness,
      metrics,
      jwks: publicJwks(config.epd.auth),
      // Results of signing aids use the default window, so the guard always remembers at least that long.
      replay: {
        seen: createRedisSeenSignatures(intakeRedis, config.queuePrefix),
        windowSeconds: Math.max(signatureWindowSeconds(config.sources), DEFAULT_SIGNATURE_MAX_AGE_SECONDS),
      },
      ...(config.adminToken ? { admin: { token: config.adminToken, queues: queueList(intakeQueues) } } : {}),
      ...(config.adminToken ? { kpi: { token: config.adminToken, kpi } } : {}),
      notify: {
        sources: config.sources,
        maxBodyBytes: config.maxBodyBytes,
        relevantTypes: () => getMappings().resourceTypes,
        enqueueEvents: (events) =>
          whenRedisReady(intakeRedis, () => enqueueEvents(intakeQueues, events, { metrics, redis: intakeRedis })),
        countNotification: (source, kind) => metrics.notifications.inc({ source, kind }),
        onEmptyPing: (source) => polling.onEmptyPing(source),
        onNotification: polling.onNotification,
      },
      results: {
        getMappings,
        maxBodyBytes: config.maxBodyBytes,
        acceptResult: (aid, body, receivedAt) => acceptResult(aid, body, receivedAt, { epd, questionnaires }),
        enqueueResult: (job) => whenRedisReady(intakeRedis, () => enqueueResult(intakeQueues.results, job)),
      },
    });
    server = await listen(app, config.port, config.host);
    const { port } = server.address() as AddressInfo;
    url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
    log.info({ port }, 'api listening');
  }

  const workers: RunningWorker[] = [];
  // Lock and stalled check decide how soon a crashed worker's jobs run again (docs/reliability.md).
  const { lockMs, stalledCheckMs, maxBackoffMs, maxStalls } = config.workers;
  const jobTiming = { lockMs, stalledCheckMs, maxBackoffMs, maxStalls };
  if (config.role !== 'api') {
    // Before any job: reading the definitions blocks the process for half a second or more, and
    // inside a first job it would hold up the lock renewals of every job running beside it. Only
    // the types the rules and the writes meet: the rest would cost about 100 MB at the peak.
    loadResourceDefinitions([...SERVICE_RESOURCE_TYPES, ...mappings.resourceTypes]);
    const eventJob = createEventJob({
      epd,
      getMappings,
      throttle: createRedisThrottleStore(workerRedis, config.queuePrefix),
      enqueueInvitations: (planned) => enqueueInvitations(workerQueues, planned, metrics),
      countThrottled: (decision) => countInvitation(metrics, decision, 'throttled'),
      objection: createObjectionPolicy(config.objection),
    });
    const invitationJob = createInvitationJob({
      epd,
      getMappings,
      adapterFor: (aid) => createInvitationAdapter(aid),
      pseudonymSecret: config.pseudonymSecret,
      now,
      audit,
    });
    workers.push(
      createWorker<EventJobData, unknown>({
        queue: QUEUE.events,
        prefix: config.queuePrefix,
        connection: workerRedis,
        concurrency: config.workers.eventConcurrency,
        log,
        handler: eventJob,
        observe: jobObserver(metrics, QUEUE.events),
        ...jobTiming,
      }),
      createWorker<InvitationJobData, unknown>({
        queue: QUEUE.invitations,
        prefix: config.queuePrefix,
        connection: workerRedis,
        concurrency: config.workers.invitationConcurrency,
        log,
        handler: invitationJob,
        observe: invitationObserver(metrics, QUEUE.invitations),
        ...jobTiming,
      }),
    );
    workers.push(await polling.startWorker());
    const resultJob = withResultAudit(
      createResultJob({ epd, questionnaires, now }),
      audit,
      (id) => getMappings().decisionAids.get(id)?.title,
    );
    workers.push(
      createWorker<ResultJobData, unknown>({
        queue: QUEUE.results,
        prefix: config.queuePrefix,
        connection: workerRedis,
        concurrency: RESULT_CONCURRENCY,
        log,
        handler: resultJob,
        observe: resultObserver(metrics, QUEUE.results),
        ...jobTiming,
      }),
    );
    // One report at a time is plenty: it runs once a month (or on demand) and searches the EPD.
    workers.push(
      createWorker<KpiJobData, unknown>({
        queue: QUEUE.kpi,
        prefix: config.queuePrefix,
        connection: workerRedis,
        concurrency: 1,
        log,
        handler: createKpiJob({ kpi }),
        observe: jobObserver(metrics, QUEUE.kpi),
        ...jobTiming,
      }),
    );
    await scheduleKpiReports(workerQueues.kpi, config.kpi);
  }

  return {
    ...(url ? { url } : {}),
    queues: workerQueues,
    mappings,
    metrics,
    kpi,
    audit,
    ...(ops ? { metricsUrl: ops.url } : {}),
    apps: { ...(app ? { api: app } : {}), ...(ops ? { metrics: ops.app } : {}) },
    async close() {
      await ops?.close();
      if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
      await Promise.all(workers.map((w) => w.close()));
      await Promise.all([intakeQueues.close(), workerQueues.close()]);
      intakeRedis.disconnect();
      workerRedis.disconnect();
      await epdConnection.close();
    },
  };
}

function listen(app: ReturnType<typeof createApp>, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (err?: Error) => (err ? reject(err) : resolve(server)));
  });
}
