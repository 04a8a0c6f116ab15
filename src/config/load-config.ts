import { z } from 'zod';

/** A configured inbound source (the EPD or its integration engine) and how it proves who it is. */
export type IntakeAuth = { type: 'bearer'; token: string } | { type: 'hmac'; secret: string };
export interface IntakeSource {
  id: string;
  auth: IntakeAuth;
}

/** How the service authenticates to the EPD's FHIR API. */
export type EpdAuthConfig =
  | { type: 'none' }
  | { type: 'bearer'; token: string }
  | { type: 'client-credentials'; tokenUrl: string; clientId: string; clientSecret: string; scope?: string };

/** The whole, validated, frozen configuration of one process. */
export interface Config {
  role: 'all' | 'api' | 'worker';
  port: number;
  host: string;
  logLevel: string;
  logPretty: boolean;
  redisUrl: string;
  queuePrefix: string;
  mappingsDir: string;
  maxBodyBytes: number;
  epd: { baseUrl: string; auth: EpdAuthConfig; timeoutMs: number };
  sources: IntakeSource[];
  pseudonymSecret: string;
  workers: { eventConcurrency: number; invitationConcurrency: number; invitationAttempts: number; backoffMs: number };
  retention: { completedSeconds: number; completedCount: number; failedSeconds: number };
}

/** Thrown by `loadConfig` with every problem found, so one start shows them all. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const DAY_SECONDS = 86_400;
const int = (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback);
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .default('false')
  .transform((v) => ['true', '1', 'yes'].includes(v));

const envSchema = z.object({
  SDM_ROLE: z.enum(['all', 'api', 'worker']).default('all'),
  PORT: int(8080, 0),
  HOST: z.string().min(1).default('0.0.0.0'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_PRETTY: bool,
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379'),
  QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9:{}_-]+$/).default('sdm'),
  MAPPINGS_DIR: z.string().min(1).default('mappings'),
  MAX_BODY_BYTES: int(5 * 1024 * 1024, 1024), // a full-resource Bundle of a busy minute fits; a runaway sender does not
  EPD_BASE_URL: z.url({ protocol: /^https?$/ }),
  EPD_AUTH: z.enum(['none', 'bearer', 'client-credentials']).default('none'),
  EPD_TOKEN: z.string().optional(),
  EPD_TOKEN_URL: z.url().optional(),
  EPD_CLIENT_ID: z.string().optional(),
  EPD_CLIENT_SECRET: z.string().optional(),
  EPD_SCOPE: z.string().optional(),
  EPD_TIMEOUT_MS: int(10_000, 100), // a FHIR read on a loaded EPD takes well under a second; 10 s means it is stuck
  INTAKE_SOURCES: z.string().default('epd'),
  PSEUDONYM_SECRET: z.string().min(16, 'must be at least 16 characters'),
  EVENT_CONCURRENCY: int(10, 1), // each event does 2–4 EPD reads; 10 keeps a small EPD comfortable
  INVITATION_CONCURRENCY: int(10, 1),
  INVITATION_ATTEMPTS: int(12, 1), // 11 retries from 30 s doubling ≈ 17 h: outlives a night's outage of an aid platform
  RETRY_BACKOFF_MS: int(30_000, 1),
  RETAIN_COMPLETED_SECONDS: int(7 * DAY_SECONDS), // a week of completed jobs: duplicate deliveries arrive within minutes
  RETAIN_COMPLETED_COUNT: int(100_000, 1), // bounds Redis memory (~0.8 KB a job) whatever the rate
  RETAIN_FAILED_SECONDS: int(30 * DAY_SECONDS), // failed jobs wait a month for an operator to replay them
});

/** Reads the configuration from the environment; throws one ConfigError listing every problem. */
export function loadConfig(env: Record<string, string | undefined>): Readonly<Config> {
  const parsed = envSchema.safeParse(env);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${issue.path.join('.')}: ${issue.message}`);
  }
  const sources = readSources(env, problems);
  if (!parsed.success || problems.length) throw new ConfigError(problems);
  const e = parsed.data;
  const epdAuth = readEpdAuth(e, problems);
  if (problems.length) throw new ConfigError(problems);
  return deepFreeze({
    role: e.SDM_ROLE,
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    logPretty: e.LOG_PRETTY,
    redisUrl: e.REDIS_URL,
    queuePrefix: e.QUEUE_PREFIX,
    mappingsDir: e.MAPPINGS_DIR,
    maxBodyBytes: e.MAX_BODY_BYTES,
    epd: { baseUrl: e.EPD_BASE_URL.replace(/\/+$/, ''), auth: epdAuth, timeoutMs: e.EPD_TIMEOUT_MS },
    sources,
    pseudonymSecret: e.PSEUDONYM_SECRET,
    workers: {
      eventConcurrency: e.EVENT_CONCURRENCY,
      invitationConcurrency: e.INVITATION_CONCURRENCY,
      invitationAttempts: e.INVITATION_ATTEMPTS,
      backoffMs: e.RETRY_BACKOFF_MS,
    },
    retention: {
      completedSeconds: e.RETAIN_COMPLETED_SECONDS,
      completedCount: e.RETAIN_COMPLETED_COUNT,
      failedSeconds: e.RETAIN_FAILED_SECONDS,
    },
  });
}

/** `INTAKE_SOURCES=hix,lab` with `INTAKE_HIX_TOKEN=…` (bearer) or `INTAKE_HIX_HMAC_SECRET=…` (signature). */
function readSources(env: Record<string, string | undefined>, problems: string[]): IntakeSource[] {
  const ids = (env.INTAKE_SOURCES ?? 'epd').split(',').map((s) => s.trim()).filter(Boolean);
  const sources: IntakeSource[] = [];
  for (const id of ids) {
    if (!/^[a-z0-9-]+$/.test(id)) {
      problems.push(`INTAKE_SOURCES: source id "${id}" may only hold a-z, 0-9 and -`);
      continue;
    }
    const key = id.toUpperCase().replace(/-/g, '_');
    const token = env[`INTAKE_${key}_TOKEN`];
    const secret = env[`INTAKE_${key}_HMAC_SECRET`];
    if (token && secret) problems.push(`INTAKE_${key}_TOKEN and INTAKE_${key}_HMAC_SECRET: set one, not both`);
    else if (token) sources.push({ id, auth: { type: 'bearer', token: checkSecret(`INTAKE_${key}_TOKEN`, token, problems) } });
    else if (secret) sources.push({ id, auth: { type: 'hmac', secret: checkSecret(`INTAKE_${key}_HMAC_SECRET`, secret, problems) } });
    else problems.push(`INTAKE_${key}_TOKEN or INTAKE_${key}_HMAC_SECRET: required for source "${id}" (every inbound route needs auth)`);
  }
  return sources;
}

const MIN_SECRET_LENGTH = 16; // shorter shared secrets are guessable by brute force over the network

function checkSecret(name: string, value: string, problems: string[]): string {
  if (value.length < MIN_SECRET_LENGTH) problems.push(`${name}: must be at least ${MIN_SECRET_LENGTH} characters`);
  return value;
}

function readEpdAuth(e: z.infer<typeof envSchema>, problems: string[]): EpdAuthConfig {
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

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
