import { startWorker, workersReady, type ChaosParts } from './chaos-parts.js';
import type { PrivateRedis } from './private-redis.js';

/** Where in the sending the faults strike: a third of the way in a worker dies, two thirds in Redis does. */
const KILL_AT = 0.3;
const REDIS_RESTART_AT = 0.6;
/** How long Redis stays away: long enough for intake to answer 503s and for locks to expire. */
const REDIS_DOWN_MS = 3_000;

/** The process faults of a run, struck from the sender's progress. */
export interface FaultSchedule {
  /** Call after each accepted send. */
  onAccepted(accepted: number): void;
  /** Waits until the faults struck so far are over (replacement running, Redis back); throws what went wrong. */
  done(): Promise<void>;
  kills(): number;
  restarts(): number;
}

/**
 * Kills a worker and restarts Redis when the sending reaches their marks, one after the other (a
 * short run reaches both marks almost at once).
 */
export function scheduleFaults(parts: ChaosParts, total: number, say: (line: string) => void): FaultSchedule {
  let chain: Promise<void> = Promise.resolve();
  let failure: unknown;
  const then = (fault: () => Promise<void>) => {
    chain = chain.then(fault).catch((err: unknown) => void (failure ??= err));
  };
  let kills = 0;
  let restarts = 0;
  return {
    onAccepted(accepted) {
      if (kills === 0 && accepted >= total * KILL_AT) {
        kills++;
        then(() => killWorker(parts, say));
      }
      if (restarts === 0 && accepted >= total * REDIS_RESTART_AT) {
        restarts++;
        then(() => restartRedis(parts.redis, say));
      }
    },
    async done() {
      await chain;
      if (failure) throw failure;
    },
    kills: () => kills,
    restarts: () => restarts,
  };
}

/** SIGKILL to the first worker (its jobs are locked to it), then a replacement, as an orchestrator starts one. */
async function killWorker(parts: ChaosParts, say: (line: string) => void): Promise<void> {
  const victim = parts.workers[0]!;
  victim.kill('SIGKILL');
  await victim.exited;
  say(`worker ${victim.pid} killed with SIGKILL; starting a replacement`);
  parts.workers[0] = startWorker(parts.stack);
  await workersReady(parts);
}

/** SIGKILL to Redis (a crash, not a clean shutdown), then the same server back from its append-only file. */
async function restartRedis(redis: PrivateRedis, say: (line: string) => void): Promise<void> {
  await redis.stop('SIGKILL');
  say(`Redis killed; back in ${REDIS_DOWN_MS} ms`);
  await new Promise((resolve) => setTimeout(resolve, REDIS_DOWN_MS));
  await redis.start();
  say('Redis restarted from its append-only file');
}
