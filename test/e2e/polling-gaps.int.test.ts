import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { treatmentPlan } from '../../src/sandbox/seed-patients.js';
import { EMBEDDED_INTAKE_TOKEN, type EmbeddedStack } from '../../src/sandbox/start-stack.js';
import { createLogger } from '../../src/shared/logger.js';
import { backportNotification } from '../helpers/backport-notification.js';
import { freshChild, notify, refOf, storeInEpd, tasksFor, startTestStack } from '../helpers/embedded.js';
import { pollState, waitFor } from '../helpers/polling.js';

/** A test waits for grace periods, checks and polls: longer than jest's default 5 s. */
const TEST_TIMEOUT_MS = 30_000;
const HEARTBEAT_EXTENSION =
  'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-heartbeat-period';

/** A source that pushes (INTAKE_HIX_MODE=push): what it does not say is found anyway. */
describe('gaps, empty pings and heartbeats of a pushing source', () => {
  let stack: EmbeddedStack;
  let state: ReturnType<typeof pollState>;
  const lines: string[] = [];
  beforeAll(async () => {
    const destination = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
    stack = await startTestStack({
      env: {
        INTAKE_HIX_MODE: 'push',
        GAP_GRACE_MS: '1000',
        POLL_OVERLAP_MS: '10000',
        HEARTBEAT_CHECK_MS: '1000',
        HEARTBEAT_GRACE_MS: '500',
      },
      log: createLogger({ level: 'info', destination }),
    });
    state = pollState(stack);
  }, TEST_TIMEOUT_MS);
  afterAll(async () => {
    state?.close();
    await stack?.close();
  }, TEST_TIMEOUT_MS);

  const newSubscription = () => `Subscription/gaps-${randomUUID().slice(0, 8)}`;
  const plansFor = async (ages: number[]) => {
    const plans = [];
    for (const age of ages) plans.push(await storeInEpd(stack, treatmentPlan((await freshChild(stack, age)).patient)));
    return plans;
  };
  const event = (subscription: string, number: number, focus?: string) =>
    backportNotification({ subscription, count: number, events: [{ number, ...(focus ? { focus } : {}) }] });

  it(
    'recovers event 3 of the sequence 1, 2, 4 by reading the EPD',
    async () => {
      const subscription = newSubscription();
      const plans = await plansFor([12, 13, 14, 12]);
      for (const n of [1, 2, 4])
        expect((await notify(stack, event(subscription, n, refOf(plans[n - 1]!)))).status).toBe(202);
      await waitFor(
        'the Tasks of the change never notified',
        async () => (await tasksFor(stack, refOf(plans[2]!))).length === 2,
      );
      expect(await state.counter('gapsRecovered')).toBeGreaterThanOrEqual(1);
      for (const plan of plans) expect(await tasksFor(stack, refOf(plan))).toHaveLength(2);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'waits for a late notification within the grace period instead of recovering',
    async () => {
      const subscription = newSubscription();
      const plans = await plansFor([13, 13, 13, 13]);
      const recoveredBefore = await state.counter('gapsRecovered');
      const closedBefore = await state.counter('gapsClosedLate');
      for (const n of [1, 2, 4, 3])
        expect((await notify(stack, event(subscription, n, refOf(plans[n - 1]!)))).status).toBe(202);
      await waitFor('the gap check', async () => (await state.counter('gapsClosedLate')) > closedBefore);
      expect(await state.counter('gapsRecovered')).toBe(recoveredBefore);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'polls at once on an empty POST (an empty ping)',
    async () => {
      const [plan] = await plansFor([14]);
      const res = await fetch(`${stack.service.url}/fhir/notify`, {
        method: 'POST',
        headers: { authorization: `Bearer ${EMBEDDED_INTAKE_TOKEN}` },
      });
      expect(res.status).toBe(202);
      await waitFor('the Tasks after the ping', async () => (await tasksFor(stack, refOf(plan!))).length === 2);
      expect(await state.counter('pings')).toBeGreaterThanOrEqual(1);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'polls at once on a Backport notification with an empty payload',
    async () => {
      const [plan] = await plansFor([12]);
      expect((await notify(stack, event(newSubscription(), 1))).status).toBe(202);
      await waitFor(
        'the Tasks after the empty notification',
        async () => (await tasksFor(stack, refOf(plan!))).length === 2,
      );
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'checks the subscription and polls when a heartbeat does not come',
    async () => {
      const subscription = await storeInEpd(stack, {
        resourceType: 'Subscription',
        status: 'active',
        reason: 'sdm-bridge key moments',
        criteria: 'CarePlan?status=active',
        channel: {
          type: 'rest-hook',
          endpoint: `${stack.service.url}/fhir/notify`,
          extension: [{ url: HEARTBEAT_EXTENSION, valueUnsignedInt: 1 }],
        },
      });
      expect(
        (await notify(stack, backportNotification({ type: 'handshake', subscription: refOf(subscription), count: 0 })))
          .status,
      ).toBe(200);
      const [plan] = await plansFor([13]);
      await waitFor(
        'the Tasks after the missed heartbeat',
        async () => (await tasksFor(stack, refOf(plan!))).length === 2,
      );
      expect(await state.counter('heartbeatsMissed')).toBeGreaterThanOrEqual(1);
      expect(lines.some((l) => l.includes('subscription status checked') && l.includes('"via":"read"'))).toBe(true);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'logs and counts a notification whose status is error',
    async () => {
      const before = await state.counter('errorNotifications');
      const heartbeat = backportNotification({
        type: 'heartbeat',
        status: 'error',
        subscription: newSubscription(),
        count: 0,
      });
      expect((await notify(stack, heartbeat)).status).toBe(200);
      expect(await state.counter('errorNotifications')).toBe(before + 1);
      expect(lines.some((l) => l.includes('subscription reports status error'))).toBe(true);
    },
    TEST_TIMEOUT_MS,
  );
});
