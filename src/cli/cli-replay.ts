import { Queue } from 'bullmq';
import { loadQueueSettings } from '../config/load-config.js';
import { QUEUE } from '../queue/job-types.js';
import { assertRedisAnswers, createRedisConnection } from '../queue/redis-connection.js';
import { describeRedisTarget } from '../queue/redis-target.js';
import { parseIsoDuration } from '../rules/parse-iso-duration.js';
import { EXIT, UsageError, type CliCommand, type CliInput } from './cli-command.js';
import { progressBar } from './cli-progress.js';
import { describeFailedJob, findFailedJobs, replayJobs, type ReplayFilter, type ReplaySummary } from './replay.js';

/** `sdm-bridge replay`: moves failed jobs back to waiting, after the cause is fixed. */
export const replayCommand: CliCommand = {
  words: ['replay'],
  usage: '[--queue <name>...] [--reason <text>] [--since <time>] [--limit <n>] [--dry-run]',
  summary: 'move failed jobs back to waiting (after fixing the cause), with progress and a summary',
  help: [
    `--queue: ${Object.values(QUEUE).join(', ')} (default: all). --reason: text the failure reason contains.`,
    '--since: an ISO 8601 time (2025-03-01T08:00:00Z) or duration back from now (PT2H, P1D).',
    '--dry-run lists the jobs without moving them. Uses REDIS_URL and QUEUE_PREFIX of this environment.',
    'A job keeps its id, so a replay cannot send an invitation twice. Workers must run to process the replayed jobs.',
    'Exit 0: all matching jobs moved (or none matched); 1: some could not be moved; 69: Redis does not answer.',
  ],
  options: {
    queue: { type: 'string', multiple: true },
    reason: { type: 'string' },
    since: { type: 'string' },
    limit: { type: 'string' },
    'dry-run': { type: 'boolean', default: false },
  },
  run: runReplay,
};

async function runReplay({ positionals, values, json, io, env }: CliInput): Promise<number> {
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const names = (values.queue as string[] | undefined) ?? Object.values(QUEUE);
  const unknown = names.filter((name) => !(Object.values(QUEUE) as string[]).includes(name));
  if (unknown.length)
    throw new UsageError(`unknown queue "${unknown[0]}" (queues: ${Object.values(QUEUE).join(', ')})`);
  const filter = readFilter(values);
  const { redis: target, queuePrefix } = loadQueueSettings({ ...env });
  try {
    await assertRedisAnswers(target);
  } catch (err) {
    io.err((err as Error).message);
    return EXIT.unavailable;
  }
  const redis = createRedisConnection(target, 'worker');
  const queues = names.map((name) => new Queue(name, { connection: redis, prefix: queuePrefix }));
  try {
    const jobs = await findFailedJobs(queues, filter);
    const where = `${names.join(', ')} (${describeRedisTarget(target)} prefix ${queuePrefix})`;
    if (values['dry-run']) {
      printMatches(jobs, where, json, io);
      return EXIT.ok;
    }
    if (!json) io.err(`${jobs.length} failed job(s) match in ${where}.`);
    const summary = await replayJobs(jobs, (done, total) => {
      if (!json) io.progress(`replaying ${progressBar(done, total)}`);
    });
    if (!json) io.progress('');
    printSummary(summary, json, io);
    return summary.notMoved.length ? EXIT.findings : EXIT.ok;
  } finally {
    await Promise.all(queues.map((q) => q.close()));
    await redis.quit().catch(() => redis.disconnect());
  }
}

function printMatches(
  jobs: Awaited<ReturnType<typeof findFailedJobs>>,
  where: string,
  json: boolean,
  io: CliInput['io'],
): void {
  const listed = jobs.map(({ queue, job }) => describeFailedJob(queue, job));
  if (json) {
    io.out(JSON.stringify({ dryRun: true, matched: listed.length, jobs: listed }, null, 2));
    return;
  }
  io.out(`${listed.length} failed job(s) match in ${where}; nothing moved (--dry-run).`);
  for (const j of listed)
    io.out(`  ${j.queue} ${j.id} failed ${j.failedAt ?? '?'} after ${j.attemptsMade} attempt(s): ${j.failedReason}`);
}

function printSummary(summary: ReplaySummary, json: boolean, io: CliInput['io']): void {
  if (json) {
    io.out(JSON.stringify(summary, null, 2));
    return;
  }
  const perQueue = Object.entries(summary.byQueue)
    .map(([q, n]) => `${q} ${n}`)
    .join(', ');
  io.out(
    `moved ${summary.moved} of ${summary.matched} failed job(s) back to waiting${perQueue ? ` (${perQueue})` : ''}`,
  );
  for (const miss of summary.notMoved) io.out(`  not moved: ${miss.queue} ${miss.id}: ${miss.error}`);
}

function readFilter(values: CliInput['values']): ReplayFilter {
  const filter: ReplayFilter = {};
  if (typeof values.reason === 'string') filter.reason = values.reason;
  if (typeof values.since === 'string') filter.since = parseSince(values.since);
  if (typeof values.limit === 'string') {
    const limit = Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1)
      throw new UsageError(`--limit "${values.limit}" is not a whole number above 0`);
    filter.limit = limit;
  }
  return filter;
}

/** An ISO 8601 time, or an ISO 8601 duration counted back from now. */
function parseSince(text: string, now = Date.now()): number {
  const duration = text.startsWith('P') ? parseIsoDuration(text) : undefined;
  if (duration !== undefined) return now - duration;
  const at = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(at))
    throw new UsageError(`--since "${text}" is neither an ISO 8601 time nor a duration such as PT2H`);
  return at;
}
