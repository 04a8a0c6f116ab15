import { startPrivateRedis, type PrivateRedis } from '../../src/chaos/private-redis.js';
import { demoSteps, notificationFor } from '../../src/sandbox/demo-scenario.js';
import { medicationAgreement } from '../../src/sandbox/seed-patients.js';
import { freshChild, notify, refOf, settle, storeInEpd } from '../helpers/embedded.js';
import { startProxiedStack, tasksByInvitation, type ProxiedStack } from './proxied-stack.js';

/** Events per batch: each a child of 13, so two invitations each. */
const BATCH = 5;
/** The events job's first EPD read is held this long, so accepted events are still in Redis when it dies. */
const HOLD_READ_MS = 8_000;
const START_TIMEOUT_MS = 60_000;
const RECOVERY_TIMEOUT_MS = 30_000;
const SETTLE_TIMEOUT_MS = 60_000;

/**
 * Redis (append-only, fsync on every write) is killed while events are queued and brought back on
 * the same port. Nothing accepted is lost; while it is away intake answers 503, never 2xx; intake
 * and workers reconnect by themselves.
 */
describe('Redis restarted under load', () => {
  let redis: PrivateRedis;
  let env: ProxiedStack;
  let eventNumber = 0;
  beforeAll(async () => {
    redis = await startPrivateRedis();
    env = await startProxiedStack({
      REDIS_URL: redis.url,
      MAPPINGS_DIR: 'test/fixtures/chaos-mappings',
      RETRY_BACKOFF_MS: '50',
      JOB_LOCK_MS: '2000',
      JOB_STALLED_CHECK_MS: '1000',
    });
  }, START_TIMEOUT_MS);
  afterAll(async () => {
    await env?.close();
    await redis?.close();
  }, START_TIMEOUT_MS);

  /** Stores a medication change for a new child of 13 and returns it with its notification. */
  async function change(): Promise<{ focus: string; body: unknown }> {
    const child = await freshChild(env.stack, 13);
    const resource = await storeInEpd(env.stack, medicationAgreement(child.patient, { atc: 'R03BA05' }));
    return { focus: refOf(resource), body: notificationFor(demoSteps(env.stack.seed)[0]!, resource, ++eventNumber) };
  }

  it(
    'loses no accepted event and answers 503 while Redis is away',
    async () => {
      env.proxy.addRule({
        method: 'GET',
        path: /^\/fhir\/MedicationRequest\//,
        fault: { kind: 'delay', ms: HOLD_READ_MS },
      });
      const accepted = [];
      for (let i = 0; i < BATCH; i++) {
        const event = await change();
        expect((await notify(env.stack, event.body)).status).toBe(202);
        accepted.push(event);
      }

      // Accepted, and only in Redis so far: none of these events has been handled yet.
      expect(await env.stack.service.queues.events.getCompletedCount()).toBe(0);
      await redis.stop('SIGKILL');
      const refused = [];
      for (let i = 0; i < BATCH; i++) refused.push(await change());
      const whileAway = [];
      for (const event of refused) whileAway.push((await notify(env.stack, event.body)).status);
      expect(whileAway).toEqual(new Array(BATCH).fill(503));

      await redis.start();
      env.proxy.clearRules();
      // The EPD sends again what was refused; intake takes it as soon as it has reconnected by itself.
      const deadline = Date.now() + RECOVERY_TIMEOUT_MS;
      for (const event of refused) {
        let status = (await notify(env.stack, event.body)).status;
        while (status !== 202) {
          expect(status).toBe(503); // never a 2xx before the job is stored, never another error
          if (Date.now() > deadline) throw new Error(`intake did not recover within ${RECOVERY_TIMEOUT_MS} ms`);
          await new Promise((resolve) => setTimeout(resolve, 200));
          status = (await notify(env.stack, event.body)).status;
        }
      }

      await settle(env.stack, SETTLE_TIMEOUT_MS);
      for (const { focus } of [...accepted, ...refused])
        expect([...(await tasksByInvitation(env.stack, focus)).values()]).toEqual([1, 1]);
      expect(await env.stack.service.queues.events.getFailedCount()).toBe(0);
      expect(await env.stack.service.queues.invitations.getFailedCount()).toBe(0);
    },
    START_TIMEOUT_MS + RECOVERY_TIMEOUT_MS + SETTLE_TIMEOUT_MS,
  );
});
