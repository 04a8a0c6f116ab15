import { freePort } from '../../src/chaos/private-redis.js';
import { startServiceProcess, type ServiceProcess } from '../../src/chaos/service-process.js';
import { demoSteps, notificationFor } from '../../src/sandbox/demo-scenario.js';
import { medicationAgreement } from '../../src/sandbox/seed-patients.js';
import { EMBEDDED_INTAKE_TOKEN } from '../../src/sandbox/start-stack.js';
import { freshChild, refOf, settle, storeInEpd } from '../helpers/embedded.js';
import { startProxiedStack, tasksByInvitation, type ProxiedStack } from './proxied-stack.js';

const START_TIMEOUT_MS = 60_000;
const WAIT_TIMEOUT_MS = 60_000;
/** Beyond the grace period, time for the process to end at all on a busy machine. */
const EXIT_MARGIN_MS = 10_000;

/** Resolves with how the process ended, or rejects when it is still running after `ms`. */
function exitWithin(proc: ServiceProcess, ms: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return Promise.race([
    proc.exited,
    new Promise<never>((_, reject) =>
      setTimeout(
        () =>
          reject(new Error(`still running ${ms} ms after SIGTERM; last lines:\n${proc.lines().slice(-10).join('\n')}`)),
        ms,
      ).unref(),
    ),
  ]);
}

async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_TIMEOUT_MS;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** SIGTERM: the API stops accepting, workers finish or hand back their jobs, and the process ends in time. */
describe('SIGTERM', () => {
  let env: ProxiedStack;
  const started: ServiceProcess[] = [];
  let eventNumber = 0;
  beforeAll(async () => {
    env = await startProxiedStack({
      SDM_ROLE: 'api',
      MAPPINGS_DIR: 'test/fixtures/chaos-mappings',
      RETRY_BACKOFF_MS: '50',
      JOB_LOCK_MS: '2000',
      JOB_STALLED_CHECK_MS: '1000',
    });
  }, START_TIMEOUT_MS);
  afterEach(() => env.proxy.clearRules());
  afterAll(async () => {
    for (const proc of started) {
      proc.kill('SIGKILL');
      await proc.exited;
    }
    await env?.close();
  }, START_TIMEOUT_MS);

  /** The whole service (API and workers) as a child process on its own port. */
  async function startService(settings: Record<string, string>): Promise<{ proc: ServiceProcess; url: string }> {
    const port = await freePort();
    const proc = startServiceProcess('all', {
      ...env.stack.env,
      SDM_ROLE: 'all',
      PORT: String(port),
      LOG_LEVEL: 'info',
      METRICS_PORT: '',
      ...settings,
    });
    started.push(proc);
    await proc.waitForLine(/sdm-bridge started/, START_TIMEOUT_MS);
    return { proc, url: `http://127.0.0.1:${port}/fhir/notify` };
  }

  /** A medication change of a new 16-year-old (one invitation: the patient), notified to `url`. */
  async function notifyChange(url: string): Promise<{ focus: string; status: number }> {
    const child = await freshChild(env.stack, 16);
    const resource = await storeInEpd(env.stack, medicationAgreement(child.patient, { atc: 'R03BA05' }));
    const res = await postTo(url, notificationFor(demoSteps(env.stack.seed)[0]!, resource, ++eventNumber));
    return { focus: refOf(resource), status: res.status };
  }
  const postTo = (url: string, body: unknown) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json', authorization: `Bearer ${EMBEDDED_INTAKE_TOKEN}` },
      body: JSON.stringify(body),
    });
  const heldWrites = () => env.proxy.counts.faults['delay-after-forward'] ?? 0;

  it(
    'stops accepting, lets the running job finish, and exits 0 within the grace period',
    async () => {
      const graceMs = 20_000;
      const { proc, url } = await startService({ SHUTDOWN_GRACE_MS: String(graceMs) });
      const held = heldWrites();
      env.proxy.addRule({
        method: 'POST',
        path: /^\/fhir\/Task$/,
        times: 1,
        fault: { kind: 'delay-after-forward', ms: 3_000 },
      });
      const { focus, status } = await notifyChange(url);
      expect(status).toBe(202);
      await until(() => heldWrites() > held, 'the Task write to reach the EPD');

      proc.kill('SIGTERM');
      await proc.waitForLine(/"msg":"stopping"/, WAIT_TIMEOUT_MS);
      await until(
        () =>
          postTo(url, {}).then(
            () => false,
            () => true,
          ),
        'the API to refuse connections',
      );
      expect(await exitWithin(proc, graceMs + EXIT_MARGIN_MS)).toEqual({ code: 0, signal: null });
      expect(proc.lines().some((line) => line.includes('"msg":"stopped"'))).toBe(true);
      // The job the worker was running when told to stop was finished, not abandoned.
      expect(await env.stack.service.queues.invitations.getActiveCount()).toBe(0);
      expect([...(await tasksByInvitation(env.stack, focus)).values()]).toEqual([1]);
    },
    START_TIMEOUT_MS + 2 * WAIT_TIMEOUT_MS,
  );

  it(
    'exits when the grace period is over, and the job it could not finish is redone elsewhere once',
    async () => {
      const graceMs = 1_000;
      const { proc, url } = await startService({ SHUTDOWN_GRACE_MS: String(graceMs) });
      const held = heldWrites();
      env.proxy.addRule({
        method: 'POST',
        path: /^\/fhir\/Task$/,
        times: 1,
        fault: { kind: 'delay-after-forward', ms: 5 * WAIT_TIMEOUT_MS },
      });
      const { focus } = await notifyChange(url);
      await until(() => heldWrites() > held, 'the Task write to reach the EPD');

      proc.kill('SIGTERM');
      expect(await exitWithin(proc, graceMs + EXIT_MARGIN_MS)).toEqual({ code: 1, signal: null });
      expect(proc.lines().some((line) => line.includes('shutdown took too long'))).toBe(true);
      expect(await env.stack.service.queues.invitations.getActiveCount()).toBe(1); // still locked to the stopped worker

      started.push(
        startServiceProcess('worker', { ...env.stack.env, SDM_ROLE: 'worker', LOG_LEVEL: 'warn', METRICS_PORT: '' }),
      );
      await settle(env.stack, WAIT_TIMEOUT_MS);
      expect([...(await tasksByInvitation(env.stack, focus)).values()]).toEqual([1]);
      expect(await env.stack.service.queues.invitations.getFailedCount()).toBe(0);
    },
    START_TIMEOUT_MS + 2 * WAIT_TIMEOUT_MS,
  );
});
