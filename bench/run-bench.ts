import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { assertRedisAnswers } from '../src/queue/redis-connection.js';
import { delayFreeMappings, exampleEnv } from './bench-env.js';
import { benchSettings, type BenchSettings } from './bench-settings.js';
import { startBenchEpd, type BenchContext, type BenchEpd, type RoleMemory } from './bench-stack.js';
import { formatTable, type BenchResults } from './report.js';
import { runBackfill } from './run-backfill.js';
import { runEndToEnd } from './run-end-to-end.js';
import { runFloorAndIntake } from './run-floor-intake.js';
import { runRulesBench } from './run-rules.js';
import { buildService } from './service-process.js';

/** Settings the backfill's worker runs with: more jobs at once, as an operator would set for a replay. */
const BACKFILL_WORKER_SETTINGS: Record<string, string> = {};

/**
 * `npm run bench`: every figure of the performance issue in one run, printed as a table and
 * written to bench/results.json. Needs Redis on REDIS_URL (default 127.0.0.1:6379); everything
 * else runs on loopback in this process (EPD, decision-aid platform, load generator) and in child
 * processes (floor, API, worker). Each phase uses its own queue prefix and removes it afterwards.
 */
async function main(): Promise<number> {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const settings = benchSettings(process.env);
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  await assertRedisAnswers(redisUrl);
  const started = Date.now();
  const results: BenchResults = {
    startedAt: new Date(started).toISOString(),
    totalSeconds: 0,
    machine: {
      cpus: cpus().length,
      node: process.version,
      loadAverageAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
    },
    quick: process.env.BENCH_QUICK === '1',
    memory: {},
    errors: [],
  };
  say('building the service (tsc) ...');
  const ctx: BenchContext = {
    root,
    buildDir: await buildService(root),
    baseEnv: await exampleEnv(root),
    mappingsDir: await delayFreeMappings(join(root, 'mappings')),
    logDir: await mkdtemp(join(tmpdir(), 'sdm-bench-logs-')),
    redis: new Redis(redisUrl),
  };
  try {
    await runPhases(ctx, settings, results);
  } finally {
    ctx.redis.disconnect();
    await rm(ctx.mappingsDir, { recursive: true, force: true });
  }
  results.totalSeconds = Math.round((Date.now() - started) / 1000);
  await writeFile(join(root, 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`\n${formatTable(results)}\n\n`);
  say(`total ${results.totalSeconds} s; details in bench/results.json; process logs in ${ctx.logDir}`);
  for (const error of results.errors) say(`failed: ${error}`);
  return results.errors.length ? 1 : 0;
}

/** The phases, by the names `BENCH_PHASES` takes. */
const PHASES = ['rules', 'intake', 'e2e', 'sustained', 'backfill'] as const;
type PhaseName = (typeof PHASES)[number];

/** `BENCH_PHASES=e2e,backfill` runs only those phases (for working on one figure); default: all. */
function selectedPhases(value: string | undefined): Set<PhaseName> {
  if (!value) return new Set(PHASES);
  const names = value
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const unknown = names.filter((name) => !(PHASES as readonly string[]).includes(name));
  if (unknown.length)
    throw new Error(`BENCH_PHASES: unknown phase ${unknown.join(', ')} (known: ${PHASES.join(', ')})`);
  return new Set(names as PhaseName[]);
}

/** Rules first (pure CPU, nothing else running), then the phases that need the EPD and the service processes. */
async function runPhases(ctx: BenchContext, settings: BenchSettings, results: BenchResults): Promise<void> {
  const only = selectedPhases(process.env.BENCH_PHASES);
  if (only.has('rules'))
    await phase(results, 'rules', async () => {
      const figures = await runRulesBench({
        counts: settings.rules.counts,
        durationMs: settings.rules.durationMs,
        mappingsDir: join(ctx.root, 'mappings'),
      });
      results.rules = { figures, ratio: Math.round((figures.at(-1)!.usPerEvent / figures[0]!.usPerEvent) * 100) / 100 };
    });
  if (only.has('intake') || only.has('e2e'))
    await withEpd(async (epd) => {
      if (only.has('intake'))
        await phase(results, 'floor and intake', async () => {
          results.intake = await runFloorAndIntake(ctx, epd, settings.http);
          peak(results, 'intake', results.intake.memory);
        });
      if (only.has('e2e'))
        await phase(results, 'end to end', async () => {
          results.endToEnd = await runEndToEnd(ctx, epd, settings);
          peak(results, 'end to end', results.endToEnd.memory);
        });
    });
  // A fresh EPD for each: the stores hold only their own patients and changes.
  if (only.has('sustained'))
    await withEpd(async (epd) => {
      await phase(results, 'end to end, sustained rate', async () => {
        results.endToEndSustained = await runEndToEnd(ctx, epd, { ...settings, endToEnd: settings.sustained });
        peak(results, 'end to end, sustained', results.endToEndSustained.memory);
      });
    });
  if (only.has('backfill'))
    await withEpd(async (epd) => {
      await phase(results, 'backfill', async () => {
        results.backfill = await runBackfill(ctx, epd, settings, BACKFILL_WORKER_SETTINGS);
        peak(results, 'backfill', results.backfill.memory);
      });
    });
}

async function withEpd(run: (epd: BenchEpd) => Promise<void>): Promise<void> {
  const epd = await startBenchEpd();
  try {
    await run(epd);
  } finally {
    await epd.close();
  }
}

/** Runs one phase; a failure is recorded and the next phase still runs. */
async function phase(results: BenchResults, name: string, run: () => Promise<void>): Promise<void> {
  const started = Date.now();
  say(`${name} ...`);
  try {
    await run();
    say(`${name} done in ${Math.round((Date.now() - started) / 1000)} s`);
  } catch (err) {
    results.errors.push(`${name}: ${(err as Error).message}`);
  }
}

/** Keeps, per role, the highest peak RSS seen in any phase. */
function peak(results: BenchResults, phase: string, memory: RoleMemory): void {
  for (const role of ['api', 'worker'] as const) {
    const peakMiB = memory[role];
    const readyMiB = memory[`${role}Ready`];
    if (peakMiB === undefined || readyMiB === undefined) continue;
    if (peakMiB > (results.memory[role]?.peakMiB ?? 0)) results.memory[role] = { peakMiB, phase, readyMiB };
  }
}

function say(text: string): void {
  process.stdout.write(`[bench] ${text}\n`);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
