/** What one `npm run bench` measures, and how hard. */
export interface BenchSettings {
  /** Load generator for the floor and the intake: same connections and duration for both. */
  http: { connections: number; durationSec: number; warmupSec: number };
  /** Steady rate through the whole path, how long, and how long the work may take to finish after the last send. */
  endToEnd: { eventsPerSecond: number; durationSec: number; drainCapSec: number };
  /** The same path at a rate this 2-core machine keeps up with: the latency of the service itself, not of a queue that grows. */
  sustained: { eventsPerSecond: number; durationSec: number; drainCapSec: number };
  rules: { counts: number[]; durationMs: number };
  /** Events replayed, over how many patients, the longest the replay may run (then its rate is reported instead), and how many worker processes take it. */
  backfill: { events: number; patients: number; capSec: number; workerProcesses: number };
}

/** The figures: 50 connections for 10 s; 200 events/s for 60 s; 10 and 1,000 triggers; 100k events. */
export const FULL: BenchSettings = {
  http: { connections: 50, durationSec: 10, warmupSec: 2 },
  // A pipeline that keeps up finishes within a second of the last send; 60 s more is a generous margin.
  endToEnd: { eventsPerSecond: 200, durationSec: 60, drainCapSec: 60 },
  sustained: { eventsPerSecond: 30, durationSec: 30, drainCapSec: 30 },
  rules: { counts: [10, 1_000], durationMs: 4_000 },
  // The target is 2 minutes; a replay still running at 2.5 is reported by its rate, so the bench ends in time.
  // One worker process; BENCH_BACKFILL_WORKERS=n runs n on the same Redis, as an operator scales out a replay
  // (on a 2-core machine a second one gains nothing: the EPD and Redis need the rest of the CPU).
  backfill: {
    events: 100_000,
    patients: 5_000,
    capSec: 150,
    workerProcesses: workerCount(process.env.BENCH_BACKFILL_WORKERS),
  },
};

/** `BENCH_QUICK=1`: every phase, small, to check the bench itself works (about a minute). */
export const QUICK: BenchSettings = {
  http: { connections: 50, durationSec: 2, warmupSec: 1 },
  endToEnd: { eventsPerSecond: 100, durationSec: 5, drainCapSec: 30 },
  sustained: { eventsPerSecond: 20, durationSec: 5, drainCapSec: 15 },
  rules: { counts: [10, 1_000], durationMs: 800 },
  backfill: {
    events: 3_000,
    patients: 500,
    capSec: 30,
    workerProcesses: workerCount(process.env.BENCH_BACKFILL_WORKERS),
  },
};

/** The settings for this run, from the environment. */
export function benchSettings(env: Record<string, string | undefined>): BenchSettings {
  return env.BENCH_QUICK === '1' ? QUICK : FULL;
}

function workerCount(value: string | undefined): number {
  const count = Number(value ?? 1);
  if (!Number.isInteger(count) || count < 1 || count > 16)
    throw new Error(`BENCH_BACKFILL_WORKERS must be 1-16, not ${value}`);
  return count;
}
