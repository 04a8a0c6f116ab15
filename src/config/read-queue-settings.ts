import type { QueueName } from '../queue/job-types.js';
import {
  BASE_QUEUE_SETTINGS,
  DEFAULT_CONCURRENCY,
  type QueueSettings,
  type QueueSettingsByName,
} from '../queue/queue-settings.js';

/** A setting of one queue, as it is spelled after the queue's stem (`EVENT_ATTEMPTS`). */
type SettingKey =
  | 'CONCURRENCY'
  | 'ATTEMPTS'
  | 'BACKOFF_MS'
  | 'BACKOFF_MAX_MS'
  | 'RETAIN_COMPLETED_SECONDS'
  | 'RETAIN_COMPLETED_COUNT'
  | 'RETAIN_FAILED_SECONDS';

const RETRIES: SettingKey[] = ['CONCURRENCY', 'ATTEMPTS', 'BACKOFF_MS', 'BACKOFF_MAX_MS'];
const ALL: SettingKey[] = [...RETRIES, 'RETAIN_COMPLETED_SECONDS', 'RETAIN_COMPLETED_COUNT', 'RETAIN_FAILED_SECONDS'];

/**
 * The settings an operator may give each queue. Only those that take effect are offered: a results
 * job is removed once completed (it holds answers), poll and KPI jobs carry their own retention
 * (and scheduled ones their own attempts), so offering those settings would only mislead.
 */
const CONFIGURABLE: Record<QueueName, { stem: string; keys: readonly SettingKey[] }> = {
  events: { stem: 'EVENT', keys: ALL },
  invitations: { stem: 'INVITATION', keys: ALL },
  results: { stem: 'RESULT', keys: [...RETRIES, 'RETAIN_FAILED_SECONDS'] },
  poll: { stem: 'POLL_JOB', keys: RETRIES },
  kpi: { stem: 'KPI_JOB', keys: [] },
};

/** The lowest value each setting accepts. */
const MINIMUM: Record<SettingKey, number> = {
  CONCURRENCY: 1,
  ATTEMPTS: 1,
  BACKOFF_MS: 1,
  BACKOFF_MAX_MS: 0,
  RETAIN_COMPLETED_SECONDS: 0,
  RETAIN_COMPLETED_COUNT: 1,
  RETAIN_FAILED_SECONDS: 0,
};

/**
 * Reads the settings of every queue. Each starts from the shared ones (`JOB_ATTEMPTS`,
 * `RETRY_BACKOFF_MS`, `RETRY_BACKOFF_MAX_MS`, `RETAIN_*`) and its own default concurrency; then
 * `<STEM>_<SETTING>` (e.g. `INVITATION_ATTEMPTS`) changes one queue. Empty means unset.
 */
export function readQueueSettings(env: Record<string, string | undefined>, problems: string[]): QueueSettingsByName {
  const base = readShared(env, problems);
  const entries = (Object.keys(CONFIGURABLE) as QueueName[]).map((queue) => {
    const { stem, keys } = CONFIGURABLE[queue];
    const read = (key: SettingKey, fallback: number) =>
      keys.includes(key) ? readInt(env, `${stem}_${key}`, MINIMUM[key], fallback, problems) : fallback;
    const settings: QueueSettings = {
      concurrency: read('CONCURRENCY', DEFAULT_CONCURRENCY[queue]),
      attempts: read('ATTEMPTS', base.attempts),
      backoffMs: read('BACKOFF_MS', base.backoffMs),
      maxBackoffMs: read('BACKOFF_MAX_MS', base.maxBackoffMs),
      retention: {
        completedSeconds: read('RETAIN_COMPLETED_SECONDS', base.retention.completedSeconds),
        completedCount: read('RETAIN_COMPLETED_COUNT', base.retention.completedCount),
        failedSeconds: read('RETAIN_FAILED_SECONDS', base.retention.failedSeconds),
      },
    };
    return [queue, settings] as const;
  });
  return Object.fromEntries(entries) as Record<QueueName, QueueSettings>;
}

/** The settings shared by every queue unless it has its own. */
function readShared(env: Record<string, string | undefined>, problems: string[]): QueueSettings {
  const b = BASE_QUEUE_SETTINGS;
  const int = (name: string, key: SettingKey, fallback: number) => readInt(env, name, MINIMUM[key], fallback, problems);
  return {
    concurrency: b.concurrency,
    attempts: int('JOB_ATTEMPTS', 'ATTEMPTS', b.attempts),
    backoffMs: int('RETRY_BACKOFF_MS', 'BACKOFF_MS', b.backoffMs),
    maxBackoffMs: int('RETRY_BACKOFF_MAX_MS', 'BACKOFF_MAX_MS', b.maxBackoffMs),
    retention: {
      completedSeconds: int('RETAIN_COMPLETED_SECONDS', 'RETAIN_COMPLETED_SECONDS', b.retention.completedSeconds),
      completedCount: int('RETAIN_COMPLETED_COUNT', 'RETAIN_COMPLETED_COUNT', b.retention.completedCount),
      failedSeconds: int('RETAIN_FAILED_SECONDS', 'RETAIN_FAILED_SECONDS', b.retention.failedSeconds),
    },
  };
}

function readInt(
  env: Record<string, string | undefined>,
  name: string,
  min: number,
  fallback: number,
  problems: string[],
): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    problems.push(`${name}: must be a whole number of at least ${min}`);
    return fallback;
  }
  return value;
}
