import { startServiceProcess, type ServiceProcess } from '../../src/chaos/service-process.js';
import { demoSteps, notificationFor } from '../../src/sandbox/demo-scenario.js';
import { medicationAgreement } from '../../src/sandbox/seed-patients.js';
import { freshChild, notify, refOf, settle, storeInEpd } from '../helpers/embedded.js';
import { startProxiedStack, tasksByInvitation, type ProxiedStack } from './proxied-stack.js';

/** Short lock and stalled check, so a killed worker's jobs come back within seconds (production: 30 s). */
const JOB_LOCK_MS = 2_000;
const JOB_STALLED_CHECK_MS = 1_000;
/** Children with a medication change: two invitations each (child of 13 and a parent). */
const CHILDREN = 3;
const INVITATIONS = CHILDREN * 2;
/** Answers to Task writes are held this long: the worker is killed while it waits for them. */
const HELD_MS = 120_000;
const START_TIMEOUT_MS = 60_000;
const WAIT_TIMEOUT_MS = 60_000;

/** Waits (bounded) until `check` holds; `what` names it in the failure. */
async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = WAIT_TIMEOUT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * A worker process is killed (SIGKILL) while its jobs wait for the EPD's answers to Task writes the
 * EPD already did. Another worker picks the jobs up once their lock expires; every invitation is
 * recorded exactly once, because the Task write is a conditional create.
 */
describe('a worker process killed in the middle of jobs', () => {
  let env: ProxiedStack;
  const workers: ServiceProcess[] = [];
  const workerEnv = () => ({ ...env.stack.env, SDM_ROLE: 'worker', LOG_LEVEL: 'info', METRICS_PORT: '' });
  beforeAll(async () => {
    env = await startProxiedStack({
      SDM_ROLE: 'api', // the jobs run in the worker processes below, not in this one
      MAPPINGS_DIR: 'test/fixtures/chaos-mappings',
      RETRY_BACKOFF_MS: '50',
      JOB_LOCK_MS: String(JOB_LOCK_MS),
      JOB_STALLED_CHECK_MS: String(JOB_STALLED_CHECK_MS),
    });
  }, START_TIMEOUT_MS);
  afterAll(async () => {
    for (const worker of workers) {
      worker.kill('SIGKILL');
      await worker.exited;
    }
    await env?.close();
  }, START_TIMEOUT_MS);

  it(
    'redoes its jobs on another worker after the lock expires, without duplicates',
    async () => {
      const first = startServiceProcess('worker', workerEnv());
      workers.push(first);
      await first.waitForLine(/sdm-bridge started/, START_TIMEOUT_MS);
      env.proxy.addRule({
        method: 'POST',
        path: /^\/fhir\/Task$/,
        fault: { kind: 'delay-after-forward', ms: HELD_MS },
      });

      const foci: string[] = [];
      for (let i = 0; i < CHILDREN; i++) {
        const child = await freshChild(env.stack, 13);
        const resource = await storeInEpd(env.stack, medicationAgreement(child.patient, { atc: 'R03BA05' }));
        expect((await notify(env.stack, notificationFor(demoSteps(env.stack.seed)[0]!, resource, i + 1))).status).toBe(
          202,
        );
        foci.push(refOf(resource));
      }
      // Every Task is in the EPD, and every answer is held: the jobs are in the middle of their work.
      await until(
        () => (env.proxy.counts.faults['delay-after-forward'] ?? 0) >= INVITATIONS,
        `${INVITATIONS} Task writes to reach the EPD`,
      );
      expect(await env.stack.service.queues.invitations.getActiveCount()).toBe(INVITATIONS);

      first.kill('SIGKILL');
      expect(await first.exited).toMatchObject({ signal: 'SIGKILL' });
      env.proxy.clearRules();
      const second = startServiceProcess('worker', workerEnv());
      workers.push(second);
      await settle(env.stack, WAIT_TIMEOUT_MS);

      for (const focus of foci) expect([...(await tasksByInvitation(env.stack, focus)).values()]).toEqual([1, 1]);
      const completed = (await env.stack.service.queues.invitations.getCompleted()).filter((j) =>
        foci.some((f) => j.data.focus.startsWith(f)),
      );
      expect(completed).toHaveLength(INVITATIONS);
      // Each job ran again from the start and found the Task its killed attempt had written.
      expect(completed.map((j) => (j.returnvalue as { created: boolean }).created)).toEqual(
        new Array(INVITATIONS).fill(false),
      );
      expect(await env.stack.service.queues.invitations.getFailedCount()).toBe(0);
    },
    3 * WAIT_TIMEOUT_MS,
  );
});
