import { fileURLToPath } from 'node:url';
import { startFaultProxy, type FaultProxy } from '../sandbox/fault-proxy.js';
import { EMBEDDED_INTAKE_TOKEN, startEmbeddedStack, type EmbeddedStack } from '../sandbox/start-stack.js';
import type { ChaosSource } from './chaos-bodies.js';
import { startPrivateRedis, type PrivateRedis } from './private-redis.js';
import { startServiceProcess, type ServiceProcess } from './service-process.js';

/** Everything a chaos run starts, so it can all be stopped again. */
export interface ChaosParts {
  redis: PrivateRedis;
  proxy: FaultProxy;
  /** The EPD sandbox, the decision-aid stand-in and the API (in this process, role api). */
  stack: EmbeddedStack;
  /** The worker processes; a dead one is replaced in place. */
  workers: ServiceProcess[];
}

/** Fault rates of a run. */
export interface ChaosFaultRates {
  epd503Rate: number;
  lostAnswerRate: number;
  aidTimeoutRate: number;
}

/** The fixture mappings: production rules with reflection delays of seconds and a 2 s decision-aid timeout. */
const CHAOS_MAPPINGS = fileURLToPath(new URL('../../test/fixtures/chaos-mappings', import.meta.url));
/** Held decision-aid answers come this late: past the 2 s timeout of the fixture mappings. */
const AID_LATE_MS = 3_000;
const WORKER_START_TIMEOUT_MS = 120_000;
/** A drained worker stops at once on SIGTERM; this bounds a stuck one. */
const WORKER_STOP_GRACE_MS = 10_000;

/** The bearer token of each intake source (loopback only). */
export const CHAOS_TOKENS: Readonly<Record<ChaosSource, string>> = {
  hix: EMBEDDED_INTAKE_TOKEN,
  engine: 'chaos-engine-token-not-for-production',
};

/**
 * Settings of the service under chaos. Why these: retries must outlast a 20% failure rate on every
 * EPD call (an events job makes four, so an attempt fails more often than not): many attempts with
 * a short, capped backoff. Short locks bring a killed worker's jobs back within seconds. Gap
 * detection and sweeps are off: the sandbox has no subscription to ask, and a sweep would find the
 * same changes again (harmless, but not what is measured here).
 */
const CHAOS_ENV = {
  SDM_ROLE: 'api',
  MAPPINGS_DIR: CHAOS_MAPPINGS,
  RETRY_BACKOFF_MS: '100',
  RETRY_BACKOFF_MAX_MS: '2000',
  JOB_ATTEMPTS: '40',
  JOB_LOCK_MS: '10000',
  JOB_STALLED_CHECK_MS: '5000',
  EVENT_CONCURRENCY: '20',
  INVITATION_CONCURRENCY: '20',
  GAP_GRACE_MS: '3600000',
  HEARTBEAT_CHECK_MS: '0',
  RECONCILE_INTERVAL_MS: '0',
  INTAKE_SOURCES: 'hix,engine', // the EPD's own feed and an integration engine forwarding the same EPD
  INTAKE_HIX_MODE: 'push',
  INTAKE_ENGINE_TOKEN: CHAOS_TOKENS.engine,
  INTAKE_ENGINE_MODE: 'push',
  LOG_LEVEL: 'warn', // failures and retries, not every job
  METRICS_PORT: '',
};

/**
 * Starts a private Redis (append-only), the embedded stack with the API only, the EPD in strict
 * mode (serialization 409s under concurrency, transactions answered entry by entry, paging links
 * on another host) behind the fault proxy, and the decision-aid stand-in with late answers; the
 * workers come later.
 */
export async function startChaosParts(
  rates: ChaosFaultRates,
  random: () => number,
  epdTransactionMs?: number,
): Promise<ChaosParts> {
  const redis = await startPrivateRedis();
  let proxy: FaultProxy | undefined;
  try {
    const stack = await startEmbeddedStack({
      env: { ...CHAOS_ENV, REDIS_URL: redis.url },
      strict: epdTransactionMs === undefined ? true : { transactionMs: epdTransactionMs },
      epdBaseUrl: async (sandboxUrl) => {
        proxy = await startFaultProxy({ target: sandboxUrl, random });
        return proxy.baseUrl;
      },
    });
    // First rule that applies wins: some writes lose their answer after the EPD did them, then 503s everywhere.
    proxy!.addRule({ method: 'POST', probability: rates.lostAnswerRate, fault: { kind: 'drop-after-forward' } });
    proxy!.addRule({ probability: rates.epd503Rate, fault: { kind: 'status', status: 503 } });
    stack.aid.answerLate(AID_LATE_MS, { rate: rates.aidTimeoutRate, random });
    return { redis, proxy: proxy!, stack, workers: [] };
  } catch (err) {
    await proxy?.close();
    await redis.close();
    throw err;
  }
}

/** Starts `count` worker processes and waits until they take jobs. */
export async function startWorkers(parts: ChaosParts, count: number): Promise<void> {
  for (let i = 0; i < count; i++) parts.workers.push(startWorker(parts.stack));
  await workersReady(parts);
}

/** A worker process with the stack's settings (`src/main.ts worker`). */
export function startWorker(stack: EmbeddedStack): ServiceProcess {
  return startServiceProcess('worker', { ...stack.env, SDM_ROLE: 'worker' });
}

/**
 * Waits until every worker process of the run takes jobs (BullMQ lists each worker's connection on
 * its queue). A worker that ends first (say, it started while Redis was away and refused to run) is
 * started again, as an orchestrator's restart policy would.
 */
export async function workersReady(parts: ChaosParts): Promise<void> {
  const deadline = Date.now() + WORKER_START_TIMEOUT_MS;
  while ((await parts.stack.service.queues.invitations.getWorkersCount()) < parts.workers.length) {
    if (Date.now() > deadline) {
      throw new Error(
        `workers did not start within ${WORKER_START_TIMEOUT_MS} ms:\n${parts.workers.flatMap((w) => w.lines().slice(-5)).join('\n')}`,
      );
    }
    parts.workers.forEach((worker, index) => {
      if (worker.ended) parts.workers[index] = startWorker(parts.stack);
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Kills what runs in other processes at once (on Ctrl-C); `stopChaosParts` is the orderly way. */
export function killChaosParts(parts: ChaosParts): void {
  for (const worker of parts.workers) worker.kill('SIGKILL');
  void parts.redis.close();
}

/** Stops the workers (SIGTERM, then SIGKILL after a grace), the stack, the proxy and Redis. */
export async function stopChaosParts(parts: ChaosParts): Promise<void> {
  await Promise.all(parts.workers.map((worker) => stopWorker(worker)));
  await parts.stack.close();
  await parts.proxy.close();
  await parts.redis.close();
}

async function stopWorker(worker: ServiceProcess): Promise<void> {
  worker.kill('SIGTERM');
  const timer = setTimeout(() => worker.kill('SIGKILL'), WORKER_STOP_GRACE_MS);
  await worker.exited;
  clearTimeout(timer);
}
