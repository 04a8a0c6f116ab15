import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { BENCH_INTAKE_TOKEN } from './bench-env.js';
import type { BenchSettings } from './bench-settings.js';
import { deletePrefix, startBenchService, type BenchContext, type BenchEpd, type RoleMemory } from './bench-stack.js';
import { postLoad, type HttpFigure } from './http-load.js';
import { notificationBodies } from './notification-body.js';
import { freePort, startProcess } from './service-process.js';

/** The floor and the intake under the same load, and the API's memory. */
export interface IntakeFigures {
  floor: HttpFigure;
  intake: HttpFigure;
  /** intake requests/s ÷ floor requests/s. */
  ratio: number;
  /** intake CPU per request ÷ floor CPU per request: what a request costs, nearly free of the machine's noise. */
  cpuRatio: number;
  memory: RoleMemory;
  /** Size of one request body, in bytes (they differ only in numbers). */
  bodyBytes: number;
}

/**
 * (1) the floor: a bare express handler doing one `queue.add`, as its own process; (2) the intake:
 * `POST /fhir/notify` of the API process (bearer auth, parsing, relevance filter, enqueue). Both get
 * the same full-resource notification Bundles, each for another resource version, from the same
 * load generator. No worker runs meanwhile, so neither competes with event processing.
 */
export async function runFloorAndIntake(
  ctx: BenchContext,
  epd: BenchEpd,
  http: BenchSettings['http'],
): Promise<IntakeFigures> {
  const body = notificationBodies();
  const floor = await measureFloor(ctx, http, body);
  const service = await startBenchService(ctx, epd, { phase: 'intake', roles: ['api'] });
  try {
    const intake = await postLoad({
      url: `${service.api!.url}/fhir/notify`,
      headers: { authorization: `Bearer ${BENCH_INTAKE_TOKEN}` },
      body,
      http,
      serverPid: service.api!.pid,
    });
    const memory = await service.peakRss();
    return {
      floor,
      intake,
      ratio: round(intake.requestsPerSec / floor.requestsPerSec),
      cpuRatio: round(intake.cpuMsPerRequest / floor.cpuMsPerRequest),
      memory,
      bodyBytes: Buffer.byteLength(body(0)),
    };
  } finally {
    await service.close();
  }
}

async function measureFloor(
  ctx: BenchContext,
  http: BenchSettings['http'],
  body: (n: number) => string,
): Promise<HttpFigure> {
  const port = await freePort();
  const prefix = `sdm-bench-floor-${randomUUID().slice(0, 8)}`;
  const floor = await startProcess({
    name: 'floor',
    args: ['--import', 'tsx', join(ctx.root, 'bench', 'floor-server.ts')],
    env: {
      PATH: process.env.PATH ?? '',
      PORT: String(port),
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      QUEUE_PREFIX: prefix,
    },
    logDir: ctx.logDir,
    ready: async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok,
  });
  try {
    return await postLoad({ url: `http://127.0.0.1:${port}/notify`, headers: {}, body, http, serverPid: floor.pid });
  } finally {
    await floor.stop();
    await deletePrefix(ctx.redis, prefix);
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
