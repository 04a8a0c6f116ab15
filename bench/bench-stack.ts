import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { loadConfig } from '../src/config/load-config.js';
import { createQueues, type Queues } from '../src/queue/create-queues.js';
import { createRedisConnection } from '../src/queue/redis-connection.js';
import { startDecisionAidStandIn, type DecisionAidStandIn } from '../src/sandbox/decision-aid-stand-in.js';
import { startFhirSandbox, type FhirSandbox } from '../src/sandbox/fhir-server.js';
import { seedSandbox } from '../src/sandbox/seed-patients.js';
import { serviceEnv } from './bench-env.js';
import { freePort, startProcess, type BenchProcess } from './service-process.js';
import { TaskClockRepository } from './task-clock-repository.js';

/** What every phase shares: where the code is, the example settings, the logs, one Redis connection. */
export interface BenchContext {
  root: string;
  buildDir: string;
  baseEnv: Record<string, string>;
  mappingsDir: string;
  logDir: string;
  redis: Redis;
}

/** The bench's EPD (in-process FHIR server whose store notes Task arrivals) and decision-aid platform. */
export interface BenchEpd {
  fhir: FhirSandbox;
  repo: TaskClockRepository;
  aid: DecisionAidStandIn;
  close(): Promise<void>;
}

/** Starts the EPD with the seeded hospital, department and demo patients, and the decision-aid stand-in. */
export async function startBenchEpd(): Promise<BenchEpd> {
  const repo = new TaskClockRepository();
  const fhir = await startFhirSandbox({ repo });
  await seedSandbox(repo);
  const aid = await startDecisionAidStandIn({ token: 'bench-aid-token-0123456789' });
  return { fhir, repo, aid, close: async () => void (await Promise.all([fhir.close(), aid.close()])) };
}

/** Peak RSS per role during a phase, and the RSS each had when it became ready (MiB). */
export interface RoleMemory {
  api?: number;
  worker?: number;
  apiReady?: number;
  workerReady?: number;
}

/** API and/or worker processes on one queue prefix, with that prefix's queues opened in the bench. */
export interface BenchService {
  api?: BenchProcess & { url: string };
  worker?: BenchProcess;
  /** Further worker processes (`workerProcesses` > 1); their memory counts like the first one's. */
  moreWorkers: BenchProcess[];
  queues: Queues;
  /** Peak RSS per role, read while the processes still run, and the RSS each had when ready. */
  peakRss(): Promise<RoleMemory>;
  /** Stops the processes and removes every key of the prefix from Redis. */
  close(): Promise<void>;
}

/** Starts the service's roles as separate processes (`node main.js`), so memory is measured per role. */
export async function startBenchService(
  ctx: BenchContext,
  epd: BenchEpd,
  options: { phase: string; roles: ('api' | 'worker')[]; extra?: Record<string, string>; workerProcesses?: number },
): Promise<BenchService> {
  const queuePrefix = `sdm-bench-${options.phase}-${randomUUID().slice(0, 8)}`;
  const envFor = (role: 'api' | 'worker', extra: Record<string, string> = {}) =>
    serviceEnv(ctx.baseEnv, {
      role,
      epdBaseUrl: epd.fhir.baseUrl,
      aidBaseUrl: epd.aid.baseUrl,
      mappingsDir: ctx.mappingsDir,
      queuePrefix,
      extra: { ...options.extra, ...extra },
    });
  const config = loadConfig(envFor('worker'));
  const connection = createRedisConnection(config.redisUrl, 'worker');
  const queues = createQueues(connection, config);
  const started: BenchProcess[] = [];
  // BENCH_CPU_PROF_DIR=<dir>: each service process writes a V8 CPU profile there when it stops (for finding what limits a figure).
  const profile = process.env.BENCH_CPU_PROF_DIR
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR}`]
    : [];
  const service: BenchService = {
    queues,
    moreWorkers: [],
    async peakRss() {
      const api = await service.api?.peakRssMiB();
      // With several worker processes, the one that used the most memory counts.
      const workers = service.worker ? [service.worker, ...service.moreWorkers] : [];
      const peaks = await Promise.all(workers.map((w) => w.peakRssMiB()));
      const worker = peaks.length ? Math.max(...peaks) : undefined;
      return {
        ...(api !== undefined ? { api, apiReady: service.api!.readyRssMiB } : {}),
        ...(worker !== undefined ? { worker, workerReady: Math.max(...workers.map((w) => w.readyRssMiB)) } : {}),
      };
    },
    async close() {
      await Promise.all(started.map((p) => p.stop()));
      await queues.close();
      connection.disconnect();
      await deletePrefix(ctx.redis, queuePrefix);
    },
  };
  try {
    const start = (
      role: 'api' | 'worker',
      env: Record<string, string>,
      ready: () => Promise<boolean>,
      name = `${options.phase}-${role}`,
    ) => startProcess({ name, args: [...profile, join(ctx.buildDir, 'main.js')], env, logDir: ctx.logDir, ready });
    if (options.roles.includes('worker')) {
      service.worker = await start(
        'worker',
        envFor('worker'),
        async () => (await queues.events.getWorkersCount()) > 0 && (await queues.invitations.getWorkersCount()) > 0,
      );
      started.push(service.worker);
      for (let n = 2; n <= (options.workerProcesses ?? 1); n++) {
        const more = await start(
          'worker',
          envFor('worker'),
          async () => (await queues.events.getWorkersCount()) >= n,
          `${options.phase}-worker-${n}`,
        );
        service.moreWorkers.push(more);
        started.push(more);
      }
    }
    if (options.roles.includes('api')) {
      const url = `http://127.0.0.1:${await freePort()}`;
      const api = await start(
        'api',
        envFor('api', { PORT: new URL(url).port }),
        async () => (await fetch(`${url}/healthz`)).ok,
      );
      started.push(api);
      service.api = { ...api, url };
    }
  } catch (err) {
    await service.close();
    throw err;
  }
  return service;
}

/** Removes every key under a prefix (queues, throttle windows, anything else the service keeps). */
export async function deletePrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    if (keys.length) await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
}
