import type { RedisConnection } from '../queue/redis-connection.js';

/** What polling and gap detection count per source (read by operators and the metrics endpoint). */
export type IntakeCounter =
  | 'polls'
  | 'pollFailures'
  | 'pollEventsQueued'
  | 'sweeps'
  | 'sweepEventsQueued'
  | 'pings'
  | 'gapsDetected'
  | 'gapsClosedLate'
  | 'gapsRecovered'
  | 'recoveryEventsQueued'
  | 'heartbeatsMissed'
  | 'errorNotifications';

/** Counters per source that survive restarts and add up across worker processes. */
export interface IntakeCounters {
  add(source: string, counter: IntakeCounter, by?: number): Promise<void>;
  read(source: string): Promise<Partial<Record<IntakeCounter, number>>>;
}

/** One Redis hash per source: `<prefix>:intake-counters:<source>`. */
export function createIntakeCounters(redis: RedisConnection, prefix: string): IntakeCounters {
  const key = (source: string) => `${prefix}:intake-counters:${source}`;
  return {
    async add(source, counter, by = 1) {
      if (by !== 0) await redis.hincrby(key(source), counter, by);
    },
    async read(source) {
      const raw = await redis.hgetall(key(source));
      return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Number(v)]));
    },
  };
}
