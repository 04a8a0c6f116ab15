import type { RedisConnection } from './queue/redis-connection.js';
import type { AuditDeps } from './audit/record-audit.js';
import type { Config } from './config/load-config.js';
import { connectEpd, type EpdConnection } from './epd/connect-epd.js';
import type { EpdClient } from './epd/epd-client.js';
import { connectKoppeltaal } from './koppeltaal/connect-koppeltaal.js';
import { writeKt2Task } from './koppeltaal/write-kt2-task.js';
import type { KoppeltaalWrite } from './decision-aids/invitation-job.js';
import { createSubscriptionStatusClient } from './gaps/gap-status-client.js';
import { createReadinessCheck } from './http/readiness.js';
import { enqueueEvents } from './intake/enqueue-events.js';
import { createKpiService, type KpiService } from './kpi/kpi-service.js';
import { createPollScheduler } from './polling/poll-scheduler.js';
import { createPollService, seenRetentionMs, type PollService } from './polling/poll-service.js';
import { createCursorStore } from './polling/cursor-store.js';
import { createPollLag } from './polling/poll-lag.js';
import { zeroCounters } from './shared/zero-counters.js';
import { QUEUE } from './queue/job-types.js';
import { createPollStores } from './polling/poll-stores.js';
import type { QuestionnaireSet } from './pro/questionnaire-set.js';
import { createQueues, type Queues } from './queue/create-queues.js';
import { whenRedisReady } from './queue/fail-fast.js';
import { queueList } from './queue/queue-list.js';
import { createRedisConnection } from './queue/redis-connection.js';
import type { CompiledMappings } from './rules/compile-mappings.js';
import type { Logger } from './shared/logger.js';
import type { LiveMappings } from './terminology/load-live-mappings.js';
import { createMetrics, type Metrics } from './shared/metrics.js';

// The shared half of the composition root (start-service.ts is the other): the connections,
// queues, EPD client and capabilities that the API and the workers of one process both use.

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
  /** Mappings as the start-up check loaded them, with their server-expanded value sets (main passes these). */
  live?: LiveMappings;
}

/** What every part of one process shares; built once by `wireParts`. */
export interface Parts {
  config: Config;
  log: Logger;
  now: () => Date;
  getMappings: () => CompiledMappings;
  /** Puts newly compiled mappings in use (a value-set refresh); every later `getMappings` sees them. */
  swapMappings(next: CompiledMappings): void;
  questionnaires: QuestionnaireSet;
  /** `intake` fails fast (the HTTP edge answers 503 at once); `worker` waits out a Redis restart. */
  redis: { intake: RedisConnection; worker: RedisConnection };
  queues: { intake: Queues; worker: Queues };
  epd: EpdClient;
  /** The way to the EPD every call shares (transport and token); closed when the process stops. */
  epdConnection: EpdConnection;
  audit: AuditDeps;
  /** The Koppeltaal store's connection (its own token) and the KT2Task writer; absent without KOPPELTAAL_BASE_URL. */
  koppeltaal?: { connection: EpdConnection; write: KoppeltaalWrite };
  metrics: Metrics;
  kpi: KpiService;
  readiness: ReturnType<typeof createReadinessCheck>;
  polling: PollService;
}

/** Connections, queues, the EPD and the capabilities both roles use (the test seams in `overrides` win). */
export function wireParts(
  config: Config,
  log: Logger,
  overrides: ServiceOverrides,
  mappings: CompiledMappings,
  questionnaires: QuestionnaireSet,
): Parts {
  const now = overrides.now ?? (() => new Date());
  // Why a variable behind a getter: a value-set refresh swaps in newly compiled mappings while jobs
  // run; each job reads them once through getMappings, so it sees one consistent set.
  let current = mappings;
  const getMappings = () => current;
  const swapMappings = (next: CompiledMappings) => {
    current = next;
  };
  const redis = { intake: openRedis(config, 'intake', log), worker: openRedis(config, 'worker', log) };
  const queues = { intake: createQueues(redis.intake, config), worker: createQueues(redis.worker, config) };
  // One transport and one token for every EPD call: FHIR requests, token requests, $status and /metadata.
  const epdConnection = connectEpd(config.epd);
  const epd = overrides.epd ?? epdConnection.client;
  // The audit trail goes to the EPD unless AUDIT_BASE_URL names another FHIR server (same auth and transport).
  const auditClient = config.audit.baseUrl === config.epd.baseUrl ? epd : epdConnection.clientFor(config.audit.baseUrl);
  const { sourceId, site } = config.audit;
  const audit: AuditDeps = { client: auditClient, source: { sourceId, ...(site ? { site } : {}) }, now };
  const koppeltaal = wireKoppeltaal(config, epd, now);
  const metrics = overrides.metrics ?? createMetrics();
  metrics.watchQueues(queueList(queues.intake)); // the fail-fast connection: a scrape never waits for a Redis that is away
  const pollLag = createPollLag({
    cursors: createCursorStore(redis.intake, config.queuePrefix, seenRetentionMs(config.poll)),
    sources: config.sources,
    settings: config.poll,
    now,
  });
  metrics.watchPollLag(pollLag);
  zeroCounters(metrics, {
    sources: config.sources.map((source) => source.id),
    queues: Object.values(QUEUE),
    aids: [...mappings.decisionAids.values()].map((aid) => ({
      id: aid.id,
      keyMoments: [...new Set(mappings.triggers.filter((t) => t.decisionAidId === aid.id).map((t) => t.keyMoment))],
      results: aid.results !== undefined,
    })),
  });
  const readiness = createReadinessCheck({
    redis: config.role === 'worker' ? redis.worker : redis.intake,
    epd: { get: epdConnection.get },
    getMappings,
    ...(config.sources.some((source) => (source.mode ?? 'push') !== 'push') ? { pollLag } : {}),
  });
  const kpi = createKpiService({ epd, settings: config.kpi, now, getMappings });
  const base = {
    config,
    log,
    now,
    getMappings,
    swapMappings,
    questionnaires,
    redis,
    queues,
    epd,
    epdConnection,
    audit,
    ...(koppeltaal ? { koppeltaal } : {}),
    metrics,
    kpi,
    readiness,
  };
  return { ...base, polling: wirePolling(base) };
}

/** Polling and gap detection: the notify route's side on the intake connection, the poll job's on the worker one. */
function wirePolling(parts: Omit<Parts, 'polling'>): PollService {
  const { config, redis, queues, now, metrics } = parts;
  const { sources, poll: settings, queuePrefix } = config;
  const schedulerOn = (on: Queues) => createPollScheduler({ queue: on.poll, sources, settings, now });
  return createPollService({
    log: parts.log,
    sources,
    settings,
    epd: parts.epd,
    epdBase: parts.config.epd.baseUrl,
    statusClient: createSubscriptionStatusClient({ get: parts.epdConnection.get, epd: parts.epd }),
    now,
    mappedTypes: () => parts.getMappings().resourceTypes,
    intake: {
      stores: createPollStores(redis.intake, queuePrefix, seenRetentionMs(settings)),
      scheduler: schedulerOn(queues.intake),
      whenReady: (write) => whenRedisReady(redis.intake, write),
    },
    worker: {
      stores: createPollStores(redis.worker, queuePrefix, seenRetentionMs(settings)),
      scheduler: schedulerOn(queues.worker),
    },
    // Polled events take the intake path's enqueue, so a change both pushed and polled is one job.
    enqueueEvents: (events) => enqueueEvents(queues.worker, events, { metrics, redis: redis.worker }),
  });
}

/** The Koppeltaal store, reached with its own transport and token (never the EPD's). */
function wireKoppeltaal(config: Config, epd: EpdClient, now: () => Date): Parts['koppeltaal'] {
  if (!config.koppeltaal) return undefined;
  const connection = connectKoppeltaal(config.koppeltaal, config.epd.maxResponseBytes);
  const deps = { store: connection.client, epd, settings: config.koppeltaal, now };
  return { connection, write: (input) => writeKt2Task(deps, input) };
}

function openRedis(config: Config, kind: 'intake' | 'worker', log: Logger): RedisConnection {
  const redis = createRedisConnection(config.redis, kind);
  redis.on('error', (err) => log.warn({ reason: err.message }, `${kind} Redis connection error`));
  return redis;
}
