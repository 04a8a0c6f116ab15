import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { TEST_REDIS_URL } from '../../test/helpers/redis.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = fileURLToPath(new URL('./sdm-bridge.ts', import.meta.url));
const FIXTURES = 'test/fixtures/cli';
const REDIS_URL = TEST_REDIS_URL;

/** Runs the real command line in a child process, from the repository root, with only the given environment. */
function cli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', BIN, ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: unknown }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('sdm-bridge simulate (the real binary on the example mapping files)', () => {
  it('shows the key moment and the invitations of a matching event', async () => {
    const run = await cli([
      'simulate',
      `${FIXTURES}/medication-change-child-13.json`,
      '--patient',
      `${FIXTURES}/patient-child-13.json`,
      '--related',
      `${FIXTURES}/mother-child-13.json`,
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Dry run: nothing was queued or written.');
    expect(run.stdout).toContain('Key moment: medication-change');
    expect(run.stdout).toMatch(/→ astma-kind \(medication-change\) to patient Patient\/child-13, after 2 h/);
    expect(run.stdout).toMatch(/→ astma-kind \(medication-change\) to guardian RelatedPerson\/mother-child-13/);
  }, 60_000);

  it('explains why a non-matching event leads to nothing', async () => {
    const run = await cli([
      'simulate',
      `${FIXTURES}/medication-change-adult-19.json`,
      '--patient',
      `${FIXTURES}/patient-adult-19.json`,
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Key moment: none (no trigger matched)');
    expect(run.stdout).toMatch(/✗ \S+ \(mappings\/paediatric-asthma\.yaml:\d+\): patient 19y older than maxAge 17/);
    expect(run.stdout).toContain('Invitations that would go out: 0');
  }, 60_000);
});

describe('sdm-bridge replay (the real binary on real Redis)', () => {
  const prefix = `sdm-test-replay-${randomUUID().slice(0, 8)}`;
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue('invitations', { connection: redis, prefix });
  const env = { REDIS_URL, QUEUE_PREFIX: prefix };

  beforeAll(async () => {
    await queue.add('evaluation', { invitationId: 'inv-replay-1' } as never, { jobId: 'inv-replay-1', attempts: 3 });
    await queue.add('evaluation', { invitationId: 'inv-replay-2' } as never, { jobId: 'inv-replay-2', attempts: 3 });
    const worker = new Worker(
      'invitations',
      async (job) => {
        throw new UnrecoverableError(
          job.id === 'inv-replay-1' ? 'decision-aid platform answered HTTP 400' : 'EPD answered HTTP 422',
        );
      },
      { connection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }), prefix },
    );
    while ((await queue.getFailedCount()) < 2) await new Promise((resolve) => setTimeout(resolve, 50));
    await worker.close();
    await worker.disconnect();
  }, 60_000);
  afterAll(async () => {
    await queue.obliterate({ force: true });
    await queue.close();
    redis.disconnect();
  }, 60_000);

  it('moves the failed jobs that match back to waiting with fresh attempts, and leaves the others', async () => {
    const run = await cli(
      ['replay', '--queue', 'invitations', '--reason', 'platform answered', '--since', 'PT1H', '--json'],
      env,
    );
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ matched: 1, moved: 1, byQueue: { invitations: 1 }, notMoved: [] });
    const moved = await queue.getJob('inv-replay-1');
    expect(await moved!.getState()).toBe('waiting');
    expect(moved!.attemptsMade).toBe(0);
    expect(await (await queue.getJob('inv-replay-2'))!.getState()).toBe('failed');
  }, 60_000);
});

describe('sdm-bridge mappings check', () => {
  it('lists every problem of the example mapping files as JSON, exit 1, when their secrets are not set', async () => {
    const run = await cli(['mappings', 'check', '--json']);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({
      ok: false,
      dir: 'mappings',
      problems: expect.arrayContaining([expect.stringMatching(/ASTMA_KEUZEHULP_TOKEN is not set/)]),
    });
  }, 60_000);
});
