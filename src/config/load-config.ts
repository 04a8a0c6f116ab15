import { queuePrefixFor, readRedisTarget, type RedisTarget } from '../queue/redis-target.js';
import { z } from 'zod';
import type { EpdAuth } from '../epd/epd-auth.js';
import { SMART_JWT_ALGS } from '../epd/smart-backend-auth.js';
import { readSmartBackend } from './read-smart-backend.js';
import { readKoppeltaal } from './read-koppeltaal.js';
import type { KoppeltaalSettings } from '../koppeltaal/koppeltaal-settings.js';
import { readEpdTransport, type EpdTransportConfig } from './read-epd-transport.js';
import {
  createObjectionPolicy,
  DEFAULT_OBJECTION_PURPOSES,
  parsePurposes,
  type PurposeCode,
} from '../rules/objection-policy.js';
import { DECIDED_TOGETHER_MEASURES, DEFAULT_KPI_SETTINGS, type KpiSettings } from '../kpi/kpi-settings.js';
import type { QueueSettingsByName } from '../queue/queue-settings.js';
import { readQueueSettings } from './read-queue-settings.js';
import { readTerminology } from './read-terminology.js';
import type { TerminologySettings } from '../terminology/terminology-settings.js';
import { derivedInvitationIdSecret } from '../events/invitation-id.js';
import { isPlaceholder, secretProblems } from '../shared/check-secret.js';
import { plainConfigMessage } from './plain-config-message.js';

/** A configured inbound source (the EPD or its integration engine) and how it proves who it is. */
export type IntakeAuth = { type: 'bearer'; token: string } | { type: 'hmac'; secret: string; maxAgeSeconds?: number };
export interface IntakeSource {
  id: string;
  auth: IntakeAuth;
  /** push: the source notifies us; poll: we search it on a schedule; both: push with polling as the safety net (default both). */
  mode?: SourceMode;
  /** Resource types to poll; absent: the types the mapping files need. */
  pollTypes?: string[];
}

/** How changes of a source reach the service. */
export type SourceMode = 'push' | 'poll' | 'both';

/** Polling, reconciliation and gap detection (see docs/push-and-poll.md). */
export interface PollConfig {
  intervalMs: number;
  overlapMs: number;
  pageSize: number;
  maxWindowMs: number;
  reconcileIntervalMs: number;
  reconcileWindowMs: number;
  gapGraceMs: number;
  heartbeatCheckMs: number;
  heartbeatGraceMs: number;
  /** /readyz fails when a polled source is this many poll intervals behind (0: never). */
  maxLagIntervals?: number;
}

/** The whole, validated, frozen configuration of one process. */
export interface Config {
  role: 'all' | 'api' | 'worker';
  port: number;
  host: string;
  logLevel: string;
  logPretty: boolean;
  redisUrl: string;
  /** The Redis topology (one node, Cluster, Sentinel); see src/queue/redis-target.ts. */
  redis: RedisTarget;
  /** With a hash tag (`{sdm}`) on a cluster, so each queue's keys share a slot. */
  queuePrefix: string;
  /** Replicas that must hold an accepted job before intake answers 2xx (`WAIT`; 0: not asked). */
  redisMinReplicasAck: number;
  mappingsDir: string;
  maxBodyBytes: number;
  epd: { baseUrl: string; auth: EpdAuth; timeoutMs: number } & EpdTransportConfig;
  sources: IntakeSource[];
  pseudonymSecret: string;
  /** Key of the invitation ids (HMAC); `INVITATION_ID_SECRET`, else derived from the pseudonym secret. */
  invitationIdSecret: string;
  /** Where and as whom AuditEvents are written (base URL defaults to the EPD's; same auth and timeout). */
  audit: { baseUrl: string; sourceId: string; site?: string };
  /** The Koppeltaal 2.0 store (KOPPELTAAL_BASE_URL and its own auth); undefined: no Koppeltaal route (docs/koppeltaal.md). */
  koppeltaal?: KoppeltaalSettings;
  /** What counts as the patient's objection (see docs/privacy-and-audit.md). */
  objection: { purposes: PurposeCode[]; patientFlag?: string };
  /** Concurrency, attempts, backoff and retention of each queue (see src/config/read-queue-settings.ts). */
  queues: QueueSettingsByName;
  workers: {
    /** How long a job stays locked to its worker without a renewal: after a crash it runs again this much later. */
    lockMs?: number;
    /** How often a worker looks for jobs whose lock expired (their worker died) and hands them out again. */
    stalledCheckMs?: number;
    /** How often a job may lose its worker (crash, lock lost in a Redis restart) and run again before it fails. */
    maxStalls?: number;
    /** How often each worker is looked at; one that took no job for two looks while jobs were ready starts again. 0: off. */
    watchdogMs: number;
  };
  poll: PollConfig;
  /** The KPIs: SDM-Q9 threshold, target, cache time, monthly MeasureReport schedule (docs/kpi.md). */
  kpi: KpiSettings;
  /** The operations listener (/metrics, /healthz, /readyz) in every role; undefined: off. */
  metrics?: { port: number; host: string };
  /** Token of the queue dashboard at /admin/queues; undefined: the dashboard is not mounted. */
  adminToken?: string;
  /** ADMIN_DASHBOARD_ACTIONS=on: the dashboard may change queues (bearer only, same origin); default read-only. */
  adminDashboardActions: boolean;
  /** On SIGTERM: how long in-flight requests and jobs may take before the process exits anyway. */
  shutdownGraceMs: number;
  /** The terminology server that expands value sets named by canonical URL; undefined: none (docs/operations.md). */
  terminology?: TerminologySettings;
}

/** Thrown by `loadConfig` with every problem found, so one start shows them all. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const DAY_SECONDS = 86_400;
// One message for every way a number can be wrong (not a number, a fraction, too small).
const int = (fallback: number, min = 0) => {
  const error = `must be a whole number of at least ${min}`;
  return z.coerce.number({ error }).int({ error }).min(min, { error }).default(fallback);
};
const PORT_ERROR = 'must be a port number from 0 to 65535';
const port = (fallback?: number) => {
  const schema = z.coerce
    .number({ error: PORT_ERROR })
    .int({ error: PORT_ERROR })
    .min(0, { error: PORT_ERROR })
    .max(65_535, { error: PORT_ERROR });
  return fallback === undefined ? schema : schema.default(fallback);
};
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .default('false')
  .transform((v) => ['true', '1', 'yes'].includes(v));

const envSchema = z.object({
  SDM_ROLE: z.enum(['all', 'api', 'worker']).default('all'),
  PORT: port(8080), // 0: a random free port (tests); empty is refused (checkPorts)
  HOST: z.string().min(1).default('0.0.0.0'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_PRETTY: bool,
  REDIS_URL: z.string().default('redis://127.0.0.1:6379'), // read by readRedisTarget, with the topology below
  REDIS_CLUSTER_NODES: z.string().optional(),
  REDIS_SENTINELS: z.string().optional(),
  REDIS_SENTINEL_NAME: z.string().optional(),
  REDIS_SENTINEL_PASSWORD: z.string().optional(),
  REDIS_MIN_REPLICAS_ACK: int(0, 0), // 0: one Redis has no replica to wait for; 1 with Sentinel or Cluster
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:{}_-]+$/)
    .default('sdm'),
  MAPPINGS_DIR: z.string().min(1).default('mappings'),
  MAX_BODY_BYTES: int(5 * 1024 * 1024, 1024), // a full-resource Bundle of a busy minute fits; a runaway sender does not
  EPD_BASE_URL: z.url({
    protocol: /^https?$/,
    error: (issue) =>
      `${issue.input === undefined ? 'required' : 'must be an http(s) URL'}: the base URL of the EPD's FHIR API, e.g. https://epd.example.org/fhir`,
  }),
  EPD_AUTH: z.enum(['none', 'bearer', 'client-credentials', 'smart-backend']).default('none'),
  EPD_TOKEN: z.string().optional(),
  EPD_TOKEN_URL: z.url({ protocol: /^https?$/, error: 'must be the http(s) URL of the token endpoint' }).optional(),
  EPD_CLIENT_ID: z.string().optional(),
  EPD_CLIENT_SECRET: z.string().optional(),
  EPD_SCOPE: z.string().optional(),
  EPD_PRIVATE_KEY: z.string().optional(),
  EPD_PRIVATE_KEY_FILE: z.string().optional(),
  EPD_KEY_ID: z
    .string()
    .regex(/^[\x21-\x7e]{1,128}$/, 'printable ASCII without spaces, at most 128 characters')
    .optional(),
  EPD_JWT_ALG: z.enum(SMART_JWT_ALGS).default('RS384'), // SMART Backend Services: servers must support RS384 and ES384
  SIGNATURE_MAX_AGE_SECONDS: int(300, 1), // signed intake requests older than 5 min are refused: clock drift fits, a replay does not
  EPD_TIMEOUT_MS: int(10_000, 100), // a FHIR read on a loaded EPD takes well under a second; 10 s means it is stuck
  EPD_MAX_RESPONSE_BYTES: int(16 * 1024 * 1024, 64 * 1024), // why 16 MiB: see src/epd/epd-transport.ts; under 64 KiB not even a CapabilityStatement fits
  EPD_TRUSTED_BASE_URLS: z.string().optional(),
  EPD_CA_FILE: z.string().optional(),
  EPD_CLIENT_CERT_FILE: z.string().optional(),
  EPD_CLIENT_KEY_FILE: z.string().optional(),
  KOPPELTAAL_BASE_URL: z
    .url({ protocol: /^https?$/, error: 'must be the http(s) URL of the Koppeltaal FHIR store' })
    .optional(),
  KOPPELTAAL_TOKEN_URL: z
    .url({ protocol: /^https?$/, error: 'must be the http(s) URL of the token endpoint' })
    .optional(),
  KOPPELTAAL_CLIENT_ID: z.string().optional(),
  KOPPELTAAL_SCOPE: z.string().optional(),
  KOPPELTAAL_PRIVATE_KEY: z.string().optional(),
  KOPPELTAAL_PRIVATE_KEY_FILE: z.string().optional(),
  KOPPELTAAL_KEY_ID: z
    .string()
    .regex(/^[\x21-\x7e]{1,128}$/, 'printable ASCII without spaces, at most 128 characters')
    .optional(),
  KOPPELTAAL_JWT_ALG: z.enum(SMART_JWT_ALGS).default('RS384'), // as EPD_JWT_ALG
  KOPPELTAAL_DEVICE_ID: z
    .string()
    .regex(/^[A-Za-z0-9.-]{1,64}$/, 'must be a FHIR id: 1-64 letters, digits, "-" or "."')
    .optional(),
  KOPPELTAAL_PATIENT_IDENTIFIER_SYSTEM: z.url({ error: 'must be an identifier system URI' }).optional(),
  INTAKE_SOURCES: z.string().default('epd'),
  PSEUDONYM_SECRET: z.string(), // length and placeholder: secretProblems
  INVITATION_ID_SECRET: z.string().optional(), // length and placeholder: secretProblems
  AUDIT_BASE_URL: z.union([z.literal('').transform(() => undefined), z.url({ protocol: /^https?$/ })]).optional(),
  AUDIT_SOURCE_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 letters, digits, ".", "_" or "-"')
    .default('sdm-bridge'),
  AUDIT_SITE: z.string().trim().optional(),
  OBJECTION_PURPOSES: z.string().optional(),
  OBJECTION_PATIENT_FHIRPATH: z.string().trim().optional(),
  JOB_LOCK_MS: int(30_000, 100), // BullMQ's default: long enough for a slow EPD write, short enough to redo a crashed worker's jobs soon
  JOB_STALLED_CHECK_MS: int(30_000, 100), // BullMQ's default; one cheap Redis script per interval and worker
  // BullMQ's default is 1: a worker crash followed by a Redis restart would fail the job. Our jobs are
  // idempotent, so running one again is safe; a job that stalls this often is itself the suspect.
  JOB_MAX_STALLS: int(3, 0),
  // A worker that takes no job for two such looks while jobs are ready is started again (src/queue/worker-watchdog.ts); 0: off.
  JOB_WATCHDOG_MS: int(30_000, 0),
  SHUTDOWN_GRACE_MS: int(25_000, 0), // below Kubernetes' default 30 s terminationGracePeriodSeconds
  POLL_INTERVAL_MS: int(60_000, 1_000), // a key moment found within a minute is in time; one search per type a minute is nothing to an EPD
  POLL_OVERLAP_MS: int(5 * 60_000), // re-read 5 min back: absorbs clock skew and late commits; re-read versions add nothing
  POLL_PAGE_SIZE: int(100, 1), // entries per search page (_count); most servers cap at 100–1000
  POLL_MAX_WINDOW_MS: int(3_600_000, 1_000), // catching up after an outage goes an hour at a time, so no single search pages through a day
  RECONCILE_INTERVAL_MS: int(3_600_000), // hourly sweep; 0 switches it off
  RECONCILE_WINDOW_MS: int(DAY_SECONDS * 1000, 60_000), // a day back: outlives any redelivery window of an EPD
  GAP_GRACE_MS: int(30_000), // a late notification usually arrives within seconds; after this we go looking
  HEARTBEAT_CHECK_MS: int(60_000), // how often silent subscriptions are looked for; 0 switches it off
  HEARTBEAT_GRACE_MS: int(60_000), // a heartbeat this late (beyond its period) counts as missed
  // Five intervals: a poll skipped while another runs or after one failure is a blip; five in a row is an outage.
  POLL_MAX_LAG_INTERVALS: int(5),
  METRICS_PORT: port().optional(), // unset: no operations listener
  METRICS_HOST: z.string().min(1).default('0.0.0.0'),
  ADMIN_TOKEN: z.string().optional(),
  ADMIN_DASHBOARD_ACTIONS: z.enum(['on', 'off']).optional(),
  KPI_DECIDED_TOGETHER: z.enum(DECIDED_TOGETHER_MEASURES).default(DEFAULT_KPI_SETTINGS.decidedTogether), // sdm-q9 (≥ threshold) or collaborate-top-box
  KPI_SDM_THRESHOLD: z.coerce.number().min(0).max(100).default(DEFAULT_KPI_SETTINGS.sdmThreshold), // why 80: see src/kpi/kpi-settings.ts
  KPI_SDM_TARGET: z.coerce.number().min(0).max(100).default(DEFAULT_KPI_SETTINGS.targetPercent), // the hospital's goal: 75% decided together
  KPI_CACHE_SECONDS: int(DEFAULT_KPI_SETTINGS.cacheSeconds), // figures move with answers that take days; 0 turns the cache off
  KPI_REPORT_CRON: z
    .string()
    .trim()
    .regex(/^off$|^\S+(\s+\S+){4,5}$/, 'must be a cron pattern of 5 or 6 fields, e.g. 0 3 1 * *, or off')
    .default(DEFAULT_KPI_SETTINGS.reportCron ?? 'off') // unset: the 1st of the month at 03:00
    .transform((cron) => (cron === 'off' ? '' : cron)), // off: no monthly MeasureReport
  KPI_TIME_ZONE: z
    .string()
    .trim()
    .min(1)
    .default(DEFAULT_KPI_SETTINGS.timeZone)
    .refine(isTimeZone, 'must be an IANA time zone such as Europe/Amsterdam'),
});

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

type Settings = z.infer<typeof envSchema>;

/**
 * Reads the configuration from the environment; throws one ConfigError listing every problem.
 * An empty value (`KEY=` in an env file) counts as unset, so a copied .env.example means the defaults.
 */
export function loadConfig(rawEnv: Record<string, string | undefined>): Readonly<Config> {
  const problems: string[] = [];
  const env = withoutEmptyValues(rawEnv);
  const e = readSettings(env, problems);
  const sources = readSources(env, problems);
  const queues = readQueueSettings(env, problems);
  const redis = readRedisTarget(env, problems);
  const terminology = readTerminology(env, problems);
  for (const source of sources)
    if (source.auth.type === 'hmac') source.auth.maxAgeSeconds = e.SIGNATURE_MAX_AGE_SECONDS;
  const epdAuth = readEpdAuth(e, problems);
  const epdTransport = readEpdTransport(e, problems);
  const objection = readObjection(e, problems);
  const koppeltaal = readKoppeltaal(e, problems);
  if (e.POLL_MAX_WINDOW_MS <= e.POLL_OVERLAP_MS)
    problems.push('POLL_MAX_WINDOW_MS: must be larger than POLL_OVERLAP_MS, or catching up never moves on');
  checkPorts(rawEnv, e, problems);
  if (e.PSEUDONYM_SECRET) problems.push(...secretProblems('PSEUDONYM_SECRET', e.PSEUDONYM_SECRET));
  if (e.INVITATION_ID_SECRET) problems.push(...secretProblems('INVITATION_ID_SECRET', e.INVITATION_ID_SECRET));
  if (e.ADMIN_TOKEN) problems.push(...secretProblems('ADMIN_TOKEN', e.ADMIN_TOKEN));
  // The EPD's own credentials: their length is the EPD's business, a placeholder never works.
  for (const key of ['EPD_TOKEN', 'EPD_CLIENT_SECRET'] as const) {
    if (e[key] && isPlaceholder(e[key])) problems.push(`${key}: still a placeholder; set the credential the EPD gave`);
  }
  if (problems.length) throw new ConfigError(problems);
  return deepFreeze({
    role: e.SDM_ROLE,
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    logPretty: e.LOG_PRETTY,
    redisUrl: e.REDIS_URL,
    redis,
    queuePrefix: queuePrefixFor(redis, e.QUEUE_PREFIX),
    redisMinReplicasAck: e.REDIS_MIN_REPLICAS_ACK,
    mappingsDir: e.MAPPINGS_DIR,
    maxBodyBytes: e.MAX_BODY_BYTES,
    epd: { baseUrl: e.EPD_BASE_URL.replace(/\/+$/, ''), auth: epdAuth, timeoutMs: e.EPD_TIMEOUT_MS, ...epdTransport },
    sources,
    pseudonymSecret: e.PSEUDONYM_SECRET,
    invitationIdSecret: e.INVITATION_ID_SECRET || derivedInvitationIdSecret(e.PSEUDONYM_SECRET), // empty, as .env.example ships it: derived
    audit: {
      baseUrl: (e.AUDIT_BASE_URL ?? e.EPD_BASE_URL).replace(/\/+$/, ''),
      sourceId: e.AUDIT_SOURCE_ID,
      ...(e.AUDIT_SITE ? { site: e.AUDIT_SITE } : {}),
    },
    ...(koppeltaal ? { koppeltaal } : {}),
    objection,
    queues,
    workers: {
      lockMs: e.JOB_LOCK_MS,
      stalledCheckMs: e.JOB_STALLED_CHECK_MS,
      maxStalls: e.JOB_MAX_STALLS,
      watchdogMs: e.JOB_WATCHDOG_MS,
    },
    poll: {
      intervalMs: e.POLL_INTERVAL_MS,
      overlapMs: e.POLL_OVERLAP_MS,
      pageSize: e.POLL_PAGE_SIZE,
      maxWindowMs: e.POLL_MAX_WINDOW_MS,
      reconcileIntervalMs: e.RECONCILE_INTERVAL_MS,
      reconcileWindowMs: e.RECONCILE_WINDOW_MS,
      gapGraceMs: e.GAP_GRACE_MS,
      heartbeatCheckMs: e.HEARTBEAT_CHECK_MS,
      heartbeatGraceMs: e.HEARTBEAT_GRACE_MS,
      maxLagIntervals: e.POLL_MAX_LAG_INTERVALS,
    },
    ...(e.METRICS_PORT !== undefined ? { metrics: { port: e.METRICS_PORT, host: e.METRICS_HOST } } : {}),
    ...(e.ADMIN_TOKEN ? { adminToken: e.ADMIN_TOKEN } : {}),
    adminDashboardActions: e.ADMIN_DASHBOARD_ACTIONS === 'on',
    kpi: {
      decidedTogether: e.KPI_DECIDED_TOGETHER,
      sdmThreshold: e.KPI_SDM_THRESHOLD,
      targetPercent: e.KPI_SDM_TARGET,
      cacheSeconds: e.KPI_CACHE_SECONDS,
      ...(e.KPI_REPORT_CRON ? { reportCron: e.KPI_REPORT_CRON } : {}),
      timeZone: e.KPI_TIME_ZONE,
    },
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    ...(terminology ? { terminology } : {}),
  });
}

/** Every setting the schema knows, parsed one by one when some fail, so the checks between settings still run. */
function readSettings(env: Record<string, string | undefined>, problems: string[]): Settings {
  const parsed = envSchema.safeParse(env, { error: plainConfigMessage });
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) problems.push(`${issue.path.join('.')}: ${issue.message}`);
  const readable: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(envSchema.shape)) {
    const one = (schema as z.ZodType).safeParse(env[key]);
    if (one.success) readable[key] = one.data;
  }
  return readable as Settings; // only read when problems is not empty, i.e. never returned to a caller
}

/** `KEY=` (an env file's way to write "nothing") and blanks mean unset, as in Docker's and a shell's env files alike. */
function withoutEmptyValues(env: Record<string, string | undefined>): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ''));
}

/** An empty PORT would have listened on a random port; two listeners on one port would crash the second. */
function checkPorts(rawEnv: Record<string, string | undefined>, e: Settings, problems: string[]): void {
  const servesApi = e.SDM_ROLE !== 'worker';
  if (servesApi && rawEnv.PORT !== undefined && rawEnv.PORT.trim() === '')
    problems.push('PORT: empty; set the port of the API, e.g. PORT=8080');
  if (servesApi && e.METRICS_PORT !== undefined && e.METRICS_PORT !== 0 && e.METRICS_PORT === e.PORT)
    problems.push(
      `METRICS_PORT: the same port as PORT (${e.PORT}); give the operations listener its own, e.g. METRICS_PORT=9464`,
    );
}

/** Only what reaching the queues takes (REDIS_*, QUEUE_PREFIX), for CLI commands that need no more. */
export function loadQueueSettings(rawEnv: Record<string, string | undefined>): {
  redisUrl: string;
  redis: RedisTarget;
  queuePrefix: string;
} {
  const env = withoutEmptyValues(rawEnv);
  const parsed = envSchema.pick({ REDIS_URL: true, QUEUE_PREFIX: true }).safeParse(env, { error: plainConfigMessage });
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  const redis = readRedisTarget(env, problems);
  if (!parsed.success || problems.length) throw new ConfigError(problems);
  return { redisUrl: parsed.data.REDIS_URL, redis, queuePrefix: queuePrefixFor(redis, parsed.data.QUEUE_PREFIX) };
}

/** `INTAKE_SOURCES=hix,lab` with `INTAKE_HIX_TOKEN=…` (bearer) or `INTAKE_HIX_HMAC_SECRET=…` (signature). */
function readSources(env: Record<string, string | undefined>, problems: string[]): IntakeSource[] {
  const ids = (env.INTAKE_SOURCES ?? 'epd')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (ids.length === 0)
    problems.push('INTAKE_SOURCES: name at least one source (every inbound route needs auth; there is no open mode)');
  const sources: IntakeSource[] = [];
  for (const id of ids) {
    if (!/^[a-z0-9-]+$/.test(id)) {
      problems.push(`INTAKE_SOURCES: source id "${id}" may only hold a-z, 0-9 and -`);
      continue;
    }
    const key = id.toUpperCase().replace(/-/g, '_');
    const token = env[`INTAKE_${key}_TOKEN`];
    const secret = env[`INTAKE_${key}_HMAC_SECRET`];
    const polling = readPolling(env, key, problems);
    if (token && secret) problems.push(`INTAKE_${key}_TOKEN and INTAKE_${key}_HMAC_SECRET: set one, not both`);
    else if (token)
      sources.push({
        id,
        auth: { type: 'bearer', token: checkSecret(`INTAKE_${key}_TOKEN`, token, problems) },
        ...polling,
      });
    else if (secret)
      sources.push({
        id,
        auth: { type: 'hmac', secret: checkSecret(`INTAKE_${key}_HMAC_SECRET`, secret, problems) },
        ...polling,
      });
    else
      problems.push(
        `INTAKE_${key}_TOKEN or INTAKE_${key}_HMAC_SECRET: required for source "${id}" (every inbound route needs auth)`,
      );
  }
  return sources;
}

const SOURCE_MODES: readonly SourceMode[] = ['push', 'poll', 'both'];
/** Push with polling behind it: see `readPolling`. */
export const DEFAULT_SOURCE_MODE: SourceMode = 'both';
// A FHIR resource type name (MedicationRequest): checked here so a typo fails at start, not as empty searches.
const RESOURCE_TYPE = /^[A-Z][A-Za-z]{1,63}$/;

/**
 * `INTAKE_<ID>_MODE` (default both) and `INTAKE_<ID>_POLL_TYPES` (comma-separated; default: what the mappings need).
 * Why both by default: senders give up on a notification after a few attempts in seconds (Medplum:
 * about 4 in 7 s), so a service down that long loses the change in push mode; polling finds it.
 */
function readPolling(
  env: Record<string, string | undefined>,
  key: string,
  problems: string[],
): Pick<IntakeSource, 'mode' | 'pollTypes'> {
  const mode = (env[`INTAKE_${key}_MODE`] ?? DEFAULT_SOURCE_MODE).trim() as SourceMode;
  if (!SOURCE_MODES.includes(mode)) problems.push(`INTAKE_${key}_MODE: must be one of ${SOURCE_MODES.join(', ')}`);
  const types = env[`INTAKE_${key}_POLL_TYPES`]
    ?.split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  for (const type of types ?? []) {
    if (!RESOURCE_TYPE.test(type))
      problems.push(`INTAKE_${key}_POLL_TYPES: "${type}" is not a FHIR resource type name`);
  }
  return { mode, ...(types?.length ? { pollTypes: types } : {}) };
}

function checkSecret(name: string, value: string, problems: string[]): string {
  problems.push(...secretProblems(name, value));
  return value;
}

function readEpdAuth(e: Settings, problems: string[]): EpdAuth {
  if (e.EPD_AUTH === 'smart-backend') return readSmartBackend(e, problems);
  if (e.EPD_AUTH === 'bearer') {
    if (!e.EPD_TOKEN) problems.push('EPD_TOKEN: required when EPD_AUTH=bearer');
    return { type: 'bearer', token: e.EPD_TOKEN ?? '' };
  }
  if (e.EPD_AUTH === 'client-credentials') {
    for (const k of ['EPD_TOKEN_URL', 'EPD_CLIENT_ID', 'EPD_CLIENT_SECRET'] as const) {
      if (!e[k]) problems.push(`${k}: required when EPD_AUTH=client-credentials`);
    }
    return {
      type: 'client-credentials',
      tokenUrl: e.EPD_TOKEN_URL ?? '',
      clientId: e.EPD_CLIENT_ID ?? '',
      clientSecret: e.EPD_CLIENT_SECRET ?? '',
      ...(e.EPD_SCOPE ? { scope: e.EPD_SCOPE } : {}),
    };
  }
  return { type: 'none' };
}

/** `OBJECTION_PURPOSES` (system|code list; default: see objection-policy.ts) and `OBJECTION_PATIENT_FHIRPATH`, tried once here. */
function readObjection(e: Settings, problems: string[]): Config['objection'] {
  const parsed = parsePurposes(e.OBJECTION_PURPOSES ?? '');
  for (const problem of parsed.problems) problems.push(`OBJECTION_PURPOSES: ${problem}`);
  const purposes = parsed.purposes.length ? parsed.purposes : [...DEFAULT_OBJECTION_PURPOSES];
  const patientFlag = e.OBJECTION_PATIENT_FHIRPATH || undefined;
  try {
    createObjectionPolicy({ purposes, patientFlag });
  } catch (err) {
    problems.push(`OBJECTION_PATIENT_FHIRPATH: FHIRPath does not work on a Patient: ${(err as Error).message}`);
  }
  return { purposes, ...(patientFlag ? { patientFlag } : {}) };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
