import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config/load-config.js';
import { notificationFor, demoSteps } from '../../src/sandbox/demo-scenario.js';
import { treatmentPlan } from '../../src/sandbox/seed-patients.js';
import { EMBEDDED_INTAKE_TOKEN, type EmbeddedStack } from '../../src/sandbox/start-stack.js';
import { createLogger } from '../../src/shared/logger.js';
import { startService } from '../../src/start-service.js';
import { freshChild, notify, refOf, storeInEpd, tasksFor, startTestStack } from '../helpers/embedded.js';
import { pollState, startFaultyProxy, waitFor } from '../helpers/polling.js';

/** Settings that make polling quick enough for a test; everything else is the production default. */
const FAST_POLLING = {
  POLL_INTERVAL_MS: '1000',
  POLL_OVERLAP_MS: '2000',
  RECONCILE_INTERVAL_MS: '0',
  HEARTBEAT_CHECK_MS: '0',
};
/** Every poll, including the ones after a Task appeared, must have had the chance to add a duplicate. */
const A_FEW_POLLS_MS = 3_500;
/** A test waits for several polls and delayed invitations: longer than jest's default 5 s. */
const TEST_TIMEOUT_MS = 30_000;
const emptyPing = (stack: EmbeddedStack) =>
  fetch(`${stack.service.url}/fhir/notify`, {
    method: 'POST',
    headers: { authorization: `Bearer ${EMBEDDED_INTAKE_TOKEN}` },
  });
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Invitations from changes nobody told us about: polling against the in-process FHIR server. */
describe('polling a source that never pushes (INTAKE_HIX_MODE=poll)', () => {
  let stack: EmbeddedStack;
  let state: ReturnType<typeof pollState>;
  beforeAll(async () => {
    stack = await startTestStack({ env: { ...FAST_POLLING, INTAKE_HIX_MODE: 'poll' } });
    state = pollState(stack);
  }, TEST_TIMEOUT_MS);
  afterAll(async () => {
    state?.close();
    await stack?.close();
  }, TEST_TIMEOUT_MS);

  it(
    'turns a resource written straight into the FHIR server into its invitations, exactly once',
    async () => {
      const child = await freshChild(stack, 13);
      const plan = await storeInEpd(stack, treatmentPlan(child.patient));
      const tasks = await waitFor('the invitation Tasks', async () =>
        (await tasksFor(stack, refOf(plan))).length === 2 ? tasksFor(stack, refOf(plan)) : undefined,
      );
      await pause(A_FEW_POLLS_MS);
      expect(await tasksFor(stack, refOf(plan))).toHaveLength(2);
      expect(tasks.map((t) => t.owner?.reference).sort()).toEqual([child.patient, child.parent].sort());
      const ids = tasks.map((t) => t.identifier?.[0]?.value);
      expect(stack.aid.invitations.filter((i) => ids.includes(i.invitationId))).toHaveLength(2);
      expect(await state.counter('polls')).toBeGreaterThanOrEqual(3);
      expect(await state.cursor()).toBeGreaterThanOrEqual(Date.parse(plan.meta!.lastUpdated!));
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'finds every resource of a burst stamped with the same instant',
    async () => {
      const children = await Promise.all([freshChild(stack, 12), freshChild(stack, 13), freshChild(stack, 14)]);
      const instant = new Date().toISOString();
      // withSeeding: a plain create stamps the store's own time over the given lastUpdated.
      const stored = await stack.fhir.repo.withSeeding(() =>
        Promise.all(
          children.map((c) =>
            stack.fhir.repo.createResource({ ...treatmentPlan(c.patient), meta: { lastUpdated: instant } }),
          ),
        ),
      );
      for (const plan of stored) {
        await waitFor(
          `the Tasks of ${refOf(plan as never)}`,
          async () => (await tasksFor(stack, `CarePlan/${plan.id}`)).length === 2,
        );
      }
    },
    TEST_TIMEOUT_MS,
  );
});

describe('push and poll together (INTAKE_HIX_MODE=both)', () => {
  let stack: EmbeddedStack;
  let state: ReturnType<typeof pollState>;
  beforeAll(async () => {
    stack = await startTestStack({
      env: { ...FAST_POLLING, INTAKE_HIX_MODE: 'both', RECONCILE_INTERVAL_MS: '2000', RECONCILE_WINDOW_MS: '7200000' },
    });
    state = pollState(stack);
  }, TEST_TIMEOUT_MS);
  afterAll(async () => {
    state?.close();
    await stack?.close();
  }, TEST_TIMEOUT_MS);

  it(
    'makes one Task per recipient of a change that is both pushed and polled',
    async () => {
      const child = await freshChild(stack, 12);
      const plan = await storeInEpd(stack, treatmentPlan(child.patient));
      const step = { ...demoSteps(stack.seed)[1]!, shape: 'full-resource' as const };
      expect((await notify(stack, notificationFor(step, plan, 1))).status).toBe(202);
      await waitFor('the invitation Tasks', async () => (await tasksFor(stack, refOf(plan))).length === 2);
      await pause(A_FEW_POLLS_MS);
      const tasks = await tasksFor(stack, refOf(plan));
      expect(tasks).toHaveLength(2);
      const ids = tasks.map((t) => t.identifier?.[0]?.value);
      expect(stack.aid.invitations.filter((i) => ids.includes(i.invitationId))).toHaveLength(2);
      // the pushed and the polled copy share one event key, so there was one events job
      const jobs = (await stack.service.queues.events.getJobs(['completed'])).filter(
        (j) => j.data.reference === refOf(plan),
      );
      expect(jobs).toHaveLength(1);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'finds in the reconciliation sweep a change stamped before the cursor (a late commit)',
    async () => {
      const child = await freshChild(stack, 9);
      const anHourAgo = new Date(Date.now() - 3_600_000).toISOString();
      const late = await stack.fhir.repo.withSeeding(() =>
        stack.fhir.repo.createResource({ ...treatmentPlan(child.patient), meta: { lastUpdated: anHourAgo } }),
      );
      await waitFor(
        'the sweep to queue the late change',
        async () => (await tasksFor(stack, `CarePlan/${late.id}`)).length === 1,
      );
      expect(await state.counter('sweepEventsQueued')).toBeGreaterThanOrEqual(1);
    },
    TEST_TIMEOUT_MS,
  );
});

describe('two worker processes polling the same source', () => {
  let stack: EmbeddedStack;
  let second: Awaited<ReturnType<typeof startService>>;
  beforeAll(async () => {
    stack = await startTestStack({ env: { ...FAST_POLLING, INTAKE_HIX_MODE: 'poll' } });
    const config = loadConfig({ ...stack.env, SDM_ROLE: 'worker' } as Record<string, string>);
    second = await startService(config, createLogger({ level: 'silent' }), { env: stack.env });
  }, TEST_TIMEOUT_MS);
  afterAll(async () => {
    await second?.close();
    await stack?.close();
  }, TEST_TIMEOUT_MS);

  it(
    'produces no duplicates',
    async () => {
      const children = await Promise.all(Array.from({ length: 5 }, (_, i) => freshChild(stack, 12 + (i % 3)))); // 12–14: patient and parent
      const plans = [];
      for (const child of children) {
        plans.push(await storeInEpd(stack, treatmentPlan(child.patient)));
        // Empty pings on top of the schedule: both processes take poll jobs of the same source at once.
        await Promise.all([emptyPing(stack), emptyPing(stack), emptyPing(stack)]);
        await pause(300);
      }
      for (const plan of plans)
        await waitFor(`the Tasks of ${refOf(plan)}`, async () => (await tasksFor(stack, refOf(plan))).length >= 2);
      await pause(A_FEW_POLLS_MS);
      for (const plan of plans) expect(await tasksFor(stack, refOf(plan))).toHaveLength(2);
      const sent = stack.aid.invitations.map((i) => i.invitationId);
      expect(new Set(sent).size).toBe(sent.length);
      const polls = await stack.service.queues.poll.getJobs(['completed']);
      expect(polls.filter((j) => j.returnvalue?.why === 'covered by a later poll').length).toBeGreaterThan(0);
    },
    TEST_TIMEOUT_MS,
  );
});

describe('an EPD that answers 503', () => {
  let stack: EmbeddedStack;
  let proxy: Awaited<ReturnType<typeof startFaultyProxy>>;
  let state: ReturnType<typeof pollState>;
  const lines: string[] = [];
  beforeAll(async () => {
    proxy = await startFaultyProxy();
    const destination = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
    stack = await startTestStack({
      env: { ...FAST_POLLING, INTAKE_HIX_MODE: 'poll', EPD_BASE_URL: proxy.baseUrl },
      log: createLogger({ level: 'info', destination }),
    });
    proxy.target = stack.fhir.baseUrl;
    state = pollState(stack);
    await waitFor('the first poll', async () => (await state.cursor()) !== undefined);
  }, TEST_TIMEOUT_MS);
  afterAll(async () => {
    state?.close();
    await stack?.close();
    await proxy?.close();
  }, TEST_TIMEOUT_MS);

  it('leaves the cursor in place, logs the EPD issue code without its text, and catches up on the next poll', async () => {
    const child = await freshChild(stack, 13);
    proxy.failing = true;
    const cursorBefore = await state.cursor();
    const plan = await storeInEpd(stack, treatmentPlan(child.patient));
    await waitFor('a failed poll', async () => (await state.counter('pollFailures')) >= 2);
    expect(await state.cursor()).toBe(cursorBefore);
    expect(await tasksFor(stack, refOf(plan))).toHaveLength(0);
    // The EPD's issue code and a hash of its text are logged, never the text: it may quote the record.
    const failed = lines.filter((l) => l.includes('poll failed; cursor stays'));
    expect(failed.some((l) => /\(text #[0-9a-f]{12}\)/.test(l))).toBe(true);
    expect(failed.some((l) => l.includes('EPD in maintenance window'))).toBe(false);
    proxy.failing = false;
    await waitFor(
      'the Tasks after the EPD is back',
      async () => (await tasksFor(stack, refOf(plan))).length === 2,
      25_000,
    );
    expect(await state.cursor()).toBeGreaterThan(cursorBefore!);
  }, 40_000);
});
