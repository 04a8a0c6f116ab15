import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** What an invitation came to; the `outcome` label of `sdm_invitations_total`. */
export type InvitationOutcome = 'queued' | 'throttled' | 'sent' | 'already-recorded' | 'failed';

/** A queue whose depth is read on every scrape (BullMQ's `Queue` fits). */
export interface DepthSource {
  name: string;
  getJobCounts(...states: string[]): Promise<Record<string, number>>;
}

/**
 * The service's Prometheus metrics, on a registry of their own. One instance per running service
 * (made in `startService`, passed to whoever counts through its deps), never a module-level
 * singleton: two services in one test process would otherwise count into each other.
 */
export interface Metrics {
  registry: Registry;
  /** Events handed to the events queue, by intake source and inbound shape (push shapes and `poll`). */
  eventsReceived: Counter<'source' | 'shape'>;
  /** Of those, events whose job id already existed: a redelivery, or the same change pushed and polled. */
  eventsDuplicate: Counter<'source' | 'shape'>;
  /** Notifications received on `/fhir/notify`, by source and kind (events, empty, handshake, heartbeat). */
  notifications: Counter<'source' | 'kind'>;
  /** Invitations by key moment, decision aid and outcome. */
  invitations: Counter<'key_moment' | 'decision_aid' | 'outcome'>;
  /** Changes a trigger listened to and did not fire on, by trigger and reason class (src/rules/skip-class.ts). */
  triggerSkips: Counter<'trigger' | 'reason'>;
  /** Refreshes of a server-expanded value set that failed (server down, error, no codes): the last good expansion stayed. */
  terminologyRefreshFailures: Counter<'value_set'>;
  /** Workers the watchdog started again because they took no job while jobs were ready (src/queue/worker-watchdog.ts). */
  workerRestarts: Counter<'queue'>;
  /** Results written back to the EPD, by decision aid and outcome (written, already-written, failed). */
  resultsWritten: Counter<'decision_aid' | 'outcome'>;
  /** Duration of one job attempt, by queue and outcome (completed, retry, failed). */
  jobDuration: Histogram<'queue' | 'outcome'>;
  /** Attempts that failed and will be retried. */
  jobRetries: Counter<'queue'>;
  /** Jobs that failed for good (attempts used up, or a permanent error): these wait for `sdm-bridge replay`. */
  jobFailures: Counter<'queue'>;
  /** Jobs per queue and state, read from Redis on every scrape. */
  queueDepth: Gauge<'queue' | 'state'>;
  /** How far the poller is behind the EPD, in seconds, per source; set by the poller. */
  pollLag: Gauge<'source'>;
  /** 1 when Redis answered this scrape's depth query, else 0. */
  redisUp: Gauge;
  /** HTTP requests by method, route pattern and status, with their duration. */
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  /** Adds queues whose depth each scrape reads. */
  watchQueues(queues: readonly DepthSource[]): void;
  /** Sets what each scrape reads the poll lag from (the poll state in Redis, shared by every process). */
  watchPollLag(read: () => Promise<readonly { source: string; lagSeconds: number }[]>): void;
}

/** Job states shown as depth; completed and failed are kept for a while, so they are depths too. */
const DEPTH_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'completed', 'failed'];
/** A scrape must not hang on a Redis that is away: the depth query gives up after this. */
const DEPTH_TIMEOUT_MS = 1_000;
/** Job durations from a fast EPD read (10 ms) to a slow platform near its 10 s timeout, and beyond. */
const JOB_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Intake answers within milliseconds; the upper buckets catch a slow Redis before the 3 s enqueue timeout. */
const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 3];

/** Creates the metrics on a new registry; `processMetrics` adds Node's default ones (memory, event loop, GC). */
export function createMetrics(options: { processMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const sources: DepthSource[] = [];
  const { queueDepth, redisUp } = depthGauges(registry, sources);
  let readLag: (() => Promise<readonly { source: string; lagSeconds: number }[]>) | undefined;
  return {
    registry,
    eventsReceived: counter(
      registry,
      'sdm_events_received_total',
      'Events handed to the events queue, by source and shape',
      ['source', 'shape'],
    ),
    eventsDuplicate: counter(
      registry,
      'sdm_events_duplicate_total',
      'Events whose job already existed (redelivered or pushed and polled)',
      ['source', 'shape'],
    ),
    notifications: counter(
      registry,
      'sdm_notifications_total',
      'Notifications received on /fhir/notify, by source and kind',
      ['source', 'kind'],
    ),
    invitations: counter(registry, 'sdm_invitations_total', 'Invitations by key moment, decision aid and outcome', [
      'key_moment',
      'decision_aid',
      'outcome',
    ]),
    triggerSkips: counter(
      registry,
      'sdm_trigger_skips_total',
      'Changes a trigger listened to and did not fire on, by trigger and reason class',
      ['trigger', 'reason'],
    ),
    workerRestarts: counter(
      registry,
      'sdm_worker_restarts_total',
      'Workers started again because they took no job while jobs were ready (after a Redis failover)',
      ['queue'],
    ),
    terminologyRefreshFailures: counter(
      registry,
      'sdm_terminology_refresh_failures_total',
      'Value-set refreshes from the terminology server that failed; the last good expansion stayed',
      ['value_set'],
    ),
    resultsWritten: counter(
      registry,
      'sdm_results_written_total',
      'Results written back to the EPD, by decision aid and outcome',
      ['decision_aid', 'outcome'],
    ),
    jobDuration: new Histogram({
      name: 'sdm_job_duration_seconds',
      help: 'Duration of one job attempt, by queue and outcome',
      labelNames: ['queue', 'outcome'] as const,
      buckets: JOB_BUCKETS,
      registers,
    }),
    jobRetries: counter(registry, 'sdm_job_retries_total', 'Job attempts that failed and will be retried', ['queue']),
    jobFailures: counter(
      registry,
      'sdm_job_failures_total',
      'Jobs that failed for good (replay them with sdm-bridge replay)',
      ['queue'],
    ),
    queueDepth,
    pollLag: new Gauge({
      name: 'sdm_poll_lag_seconds',
      help: 'How far the poller is behind the EPD, per source',
      labelNames: ['source'] as const,
      registers,
      async collect() {
        // Read on scrape, so every process (api and worker) shows the lag the workers' polls leave in Redis.
        const readings = await withDeadline(readLag?.(), DEPTH_TIMEOUT_MS).catch(() => undefined);
        for (const { source, lagSeconds } of readings ?? []) this.set({ source }, lagSeconds);
      },
    }),
    redisUp,
    httpDuration: new Histogram({
      name: 'sdm_http_request_duration_seconds',
      help: 'HTTP requests by method, route and status',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: HTTP_BUCKETS,
      registers,
    }),
    watchQueues(queues) {
      sources.push(...queues);
    },
    watchPollLag(read) {
      readLag = read;
    },
  };
}

/** How one job attempt ended; `createWorker` reports it, the observers below count it. */
export interface JobAttempt<D = unknown, R = unknown> {
  data: D;
  outcome: 'completed' | 'retry' | 'failed';
  durationMs: number;
  result?: R;
}

/** What an invitation is counted by: its key moment and decision aid (an invitations job's data fits). */
export interface InvitationLabels {
  keyMoment: string;
  decisionAidId: string;
  /** An on-hold Task for a child without a representative: counted as a `no-representative` skip, not as an invitation. */
  noRepresentative?: true;
}

/** Counts one invitation outcome. */
export function countInvitation(metrics: Metrics, invitation: InvitationLabels, outcome: InvitationOutcome): void {
  metrics.invitations.inc({ key_moment: invitation.keyMoment, decision_aid: invitation.decisionAidId, outcome });
}

/** The observer a worker reports its attempts to: duration, retries and final failures per queue. */
export function jobObserver<D, R>(metrics: Metrics, queue: string): (attempt: JobAttempt<D, R>) => void {
  return ({ outcome, durationMs }) => {
    metrics.jobDuration.observe({ queue, outcome }, durationMs / 1000);
    if (outcome === 'retry') metrics.jobRetries.inc({ queue });
    if (outcome === 'failed') metrics.jobFailures.inc({ queue });
  };
}

/** The invitations worker's observer: as `jobObserver`, plus sent / already-recorded / failed per aid. */
export function invitationObserver(
  metrics: Metrics,
  queue: string,
): (attempt: JobAttempt<InvitationLabels, unknown>) => void {
  const base = jobObserver<InvitationLabels, unknown>(metrics, queue);
  return (attempt) => {
    base(attempt);
    if (attempt.outcome === 'failed') countInvitation(metrics, attempt.data, 'failed');
    if (attempt.outcome === 'completed' && !attempt.data.noRepresentative) {
      const created = (attempt.result as { created?: boolean } | undefined)?.created;
      countInvitation(metrics, attempt.data, created === false ? 'already-recorded' : 'sent');
    }
  };
}

/** The results worker's observer: as `jobObserver`, plus results written / already written / failed per aid. */
export function resultObserver(
  metrics: Metrics,
  queue: string,
): (attempt: JobAttempt<{ decisionAidId: string }, unknown>) => void {
  const base = jobObserver<{ decisionAidId: string }, unknown>(metrics, queue);
  return (attempt) => {
    base(attempt);
    if (attempt.outcome === 'retry') return;
    const created = (attempt.result as { created?: number } | undefined)?.created ?? 0;
    const outcome = attempt.outcome === 'failed' ? 'failed' : created > 0 ? 'written' : 'already-written';
    metrics.resultsWritten.inc({ decision_aid: attempt.data.decisionAidId, outcome });
  };
}

/**
 * The queue-depth gauges, read on scrape. Both read the same Redis answer; the registry collects
 * metrics concurrently, so the first collect starts the read and the other waits for it.
 */
function depthGauges(
  registry: Registry,
  sources: readonly DepthSource[],
): { queueDepth: Gauge<'queue' | 'state'>; redisUp: Gauge } {
  const registers = [registry];
  let reading: Promise<DepthCounts | undefined> | undefined;
  const readOnce = () => {
    reading ??= readDepths(sources).finally(() => {
      reading = undefined;
    });
    return reading;
  };
  const queueDepth = new Gauge({
    name: 'sdm_queue_jobs',
    help: 'Jobs per queue and state, read from Redis on scrape',
    labelNames: ['queue', 'state'] as const,
    registers,
    async collect() {
      const counts = await readOnce();
      this.reset();
      for (const { queue, state, count } of counts ?? []) this.set({ queue, state }, count);
    },
  });
  const redisUp = new Gauge({
    name: 'sdm_redis_up',
    help: '1 when Redis answered the depth query of this scrape, else 0',
    registers,
    async collect() {
      this.set((await readOnce()) ? 1 : 0);
    },
  });
  return { queueDepth, redisUp };
}

function withDeadline<T>(promise: Promise<T> | undefined, ms: number): Promise<T | undefined> {
  if (!promise) return Promise.resolve(undefined);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

function counter<T extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly T[],
): Counter<T> {
  return new Counter({ name, help, labelNames, registers: [registry] });
}

type DepthCounts = { queue: string; state: string; count: number }[];

/** The depth of every watched queue, or undefined when Redis did not answer in time. */
async function readDepths(sources: readonly DepthSource[]): Promise<DepthCounts | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('depth query timed out')), DEPTH_TIMEOUT_MS);
  });
  try {
    const counts = await Promise.race([Promise.all(sources.map((q) => q.getJobCounts(...DEPTH_STATES))), timeout]);
    return counts.flatMap((byState, index) =>
      Object.entries(byState).map(([state, count]) => ({ queue: sources[index]!.name, state, count })),
    );
  } catch {
    return undefined; // the scrape still answers; sdm_redis_up = 0 says why the depths are missing
  } finally {
    clearTimeout(timer);
  }
}
