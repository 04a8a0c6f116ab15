import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { CliIo } from './cli-command.js';
import { CLI_COMMANDS } from './cli-commands.js';
import { runCli } from './cli-run.js';
import { TEST_REDIS_URL } from '../../test/helpers/redis.js';

/** jest.config's per-project testTimeout is not applied (jest reads testTimeout globally), so the embedded parts get their time here. */
const SLOW_MS = 30_000;

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const fixture = (name: string) => `${ROOT}test/fixtures/cli/${name}`;
const MAPPINGS = `${ROOT}mappings`;
const REDIS_URL = TEST_REDIS_URL;

/** The registered commands in this process (the binary itself is run by sdm-bridge.int.test.ts). */
async function run(argv: string[], env: Record<string, string> = {}) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const progress: string[] = [];
  const io: CliIo = {
    out: (l) => stdout.push(l),
    err: (l) => stderr.push(l),
    progress: (l) => progress.push(l),
    interactive: true,
  };
  const code = await runCli(argv, CLI_COMMANDS, io, env);
  return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n'), progress };
}

describe('sdm-bridge simulate', () => {
  it(
    'gives scripts one JSON document with --json',
    async () => {
      const result = await run([
        'simulate',
        fixture('medication-change-adult-19.json'),
        '--facts',
        fixture('patient-adult-19.json'),
        '--mappings',
        MAPPINGS,
        '--json',
      ]);
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({
        dryRun: true,
        events: [{ keyMoments: [], invitations: [], skipped: [{ reason: 'patient 19y older than maxAge 17' }] }],
      });
    },
    SLOW_MS,
  );

  it(
    'evaluates as on another day with --date',
    async () => {
      const argv = [
        'simulate',
        fixture('medication-change-child-13.json'),
        '--patient',
        fixture('patient-child-13.json'),
        '--mappings',
        MAPPINGS,
        '--json',
      ];
      const later = JSON.parse((await run([...argv, '--date', '2030-01-01'])).stdout);
      expect(later.events[0]).toMatchObject({
        event: { occurredAt: '2030-01-01T12:00:00Z' },
        skipped: [{ reason: 'patient 18y older than maxAge 17' }],
      });
    },
    SLOW_MS,
  );

  it.each([
    [['simulate'], 64, /give the event file/],
    [['simulate', fixture('nope.json')], 65, /nope\.json: cannot read the file \(ENOENT\)/],
    [['simulate', fixture('README.md')], 65, /README\.md: not JSON/],
    [['simulate', fixture('patient-child-13.json'), '--date', 'yesterday'], 64, /--date "yesterday"/],
    [['simulate', fixture('mother-child-13.json'), '--mappings', `${ROOT}test`], 65, /mapping files .* cannot be used/],
    [
      ['simulate', fixture('medication-change-child-13.json'), '--mappings', MAPPINGS],
      65,
      /^Patient\/child-13 is not in the given files|could not be evaluated/m,
    ],
  ])(
    'exits %p → %i with a clear message',
    async (argv, code, message) => {
      const result = await run(argv);
      expect(result.code).toBe(code);
      expect(`${result.stderr}\n${result.stdout}`).toMatch(message);
    },
    SLOW_MS,
  );

  it(
    'refuses --epd without a configuration (exit 78, every problem named)',
    async () => {
      const result = await run([
        'simulate',
        fixture('medication-change-child-13.json'),
        '--mappings',
        MAPPINGS,
        '--epd',
      ]);
      expect(result.code).toBe(78);
      expect(result.stderr).toMatch(/EPD_BASE_URL/);
    },
    SLOW_MS,
  );
});

describe('sdm-bridge replay', () => {
  const prefix = `sdm-test-replay-${randomUUID().slice(0, 8)}`;
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queues = ['events', 'invitations'].map((name) => new Queue(name, { connection: redis, prefix }));
  const env = { REDIS_URL, QUEUE_PREFIX: prefix };

  beforeAll(async () => {
    await queues[0]!.add('Encounter', {} as never, { jobId: 'evt-replay-1' });
    await queues[1]!.add('evaluation', {} as never, { jobId: 'inv-replay-1' });
    await queues[1]!.add('evaluation', {} as never, { jobId: 'inv-replay-2' });
    const reasons: Record<string, string> = {
      'evt-replay-1': 'EPD answered HTTP 404',
      'inv-replay-1': 'platform answered HTTP 400',
      'inv-replay-2': 'platform answered HTTP 400',
    };
    const workers = ['events', 'invitations'].map(
      (name) =>
        new Worker(name, async (job) => Promise.reject(new UnrecoverableError(reasons[job.id!])), {
          connection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }),
          prefix,
        }),
    );
    while ((await queues[0]!.getFailedCount()) + (await queues[1]!.getFailedCount()) < 3)
      await new Promise((r) => setTimeout(r, 50));
    for (const worker of workers) {
      await worker.close();
      await worker.disconnect();
    }
  }, SLOW_MS);
  afterAll(async () => {
    for (const queue of queues) {
      await queue.obliterate({ force: true });
      await queue.close();
    }
    redis.disconnect();
  }, SLOW_MS);

  it(
    'lists without moving with --dry-run',
    async () => {
      const result = await run(['replay', '--reason', 'HTTP 400', '--dry-run'], env);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^2 failed job\(s\) match in events, invitations/);
      expect(result.stdout).toMatch(
        /invitations inv-replay-1 failed \S+ after 1 attempt\(s\): platform answered HTTP 400/,
      );
      expect(await queues[1]!.getFailedCount()).toBe(2);
    },
    SLOW_MS,
  );

  it(
    'moves at most --limit jobs, shows progress, and prints a summary for people',
    async () => {
      const result = await run(['replay', '--queue', 'invitations', '--limit', '1'], env);
      expect(result.code).toBe(0);
      expect(result.stdout).toBe('moved 1 of 1 failed job(s) back to waiting (invitations 1)');
      expect(result.progress).toEqual([`replaying [${'#'.repeat(30)}] 1/1`, '']);
      expect(await queues[1]!.getFailedCount()).toBe(1);
      expect(await queues[0]!.getFailedCount()).toBe(1);
    },
    SLOW_MS,
  );

  it.each([
    [['replay', '--queue', 'nope'], env, 64, /unknown queue "nope"/],
    [['replay', '--since', 'last week'], env, 64, /--since "last week"/],
    [['replay', '--limit', '0'], env, 64, /--limit "0"/],
    [['replay'], { REDIS_URL: 'redis://127.0.0.1:1' }, 69, /no Redis answers at redis:\/\/127\.0\.0\.1:1/],
  ])(
    'exits %p → %i with a clear message',
    async (argv, runEnv, code, message) => {
      const result = await run(argv, runEnv);
      expect(result.code).toBe(code);
      expect(result.stderr).toMatch(message);
    },
    SLOW_MS,
  );
});
