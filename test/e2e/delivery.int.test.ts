import { loadNotificationFixture } from '../fixtures/notifications/load-notification-fixture.js';
import { demoSteps, notificationFor } from '../../src/sandbox/demo-scenario.js';
import { medicationAgreement } from '../../src/sandbox/seed-patients.js';
import { type EmbeddedStack } from '../../src/sandbox/start-stack.js';
import { freshChild, notify, refOf, settle, startTestStack, storeInEpd, tasksFor } from '../helpers/embedded.js';

/** Nothing sent twice, nothing lost: duplicates, throttle, and decision-aid failures on real parts. */
describe('delivery guarantees end to end', () => {
  let stack: EmbeddedStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack.close();
  });
  const medicationStep = () => demoSteps(stack.seed)[0]!;

  it('answers handshake and heartbeat with 200 and queues nothing', async () => {
    for (const fixture of ['subscription-handshake', 'subscription-heartbeat'] as const) {
      expect((await notify(stack, loadNotificationFixture(fixture))).status).toBe(200);
    }
    const counts = await stack.service.queues.events.getJobCounts();
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(0);
  });

  it('writes one Task per recipient when the same event arrives three times, in two shapes', async () => {
    const child = await freshChild(stack, 13);
    const resource = await storeInEpd(stack, medicationAgreement(child.patient, { atc: 'R03BA05' }));
    const pushed = notificationFor(medicationStep(), resource, 201);
    const asMessage = notificationFor({ ...medicationStep(), shape: 'message' }, resource, 202);
    for (const body of [pushed, pushed, asMessage]) expect((await notify(stack, body)).status).toBe(202);
    await settle(stack);
    const tasks = await tasksFor(stack, refOf(resource));
    expect(tasks.map((t) => t.owner?.reference).sort()).toEqual([child.patient, child.parent].sort());
    const atPlatform = stack.aid.invitations.filter((i) =>
      tasks.some((t) => t.identifier?.[0]?.value === i.invitationId),
    );
    expect(atPlatform).toHaveLength(2);
  });

  it('does not invite the same patient to the same aid twice for one key moment within the throttle window', async () => {
    const child = await freshChild(stack, 8);
    const first = await storeInEpd(stack, medicationAgreement(child.patient, { atc: 'R03BA05' }));
    await notify(stack, notificationFor(medicationStep(), first, 301));
    await settle(stack);
    const second = await storeInEpd(stack, medicationAgreement(child.patient, { atc: 'R03AC02' }));
    await notify(stack, notificationFor(medicationStep(), second, 302));
    await settle(stack);
    expect(await tasksFor(stack, refOf(first))).toHaveLength(1);
    expect(await tasksFor(stack, refOf(second))).toHaveLength(0);
    const [eventJob] = (await stack.service.queues.events.getCompleted()).filter(
      (j) => j.data.reference === refOf(second),
    );
    expect(eventJob?.returnvalue).toMatchObject({
      invitations: [],
      skipped: expect.arrayContaining([expect.objectContaining({ reason: expect.stringMatching(/^throttled/) })]),
    });
  });

  it('retries a transient decision-aid failure and then records the invitation once', async () => {
    const child = await freshChild(stack, 15);
    const resource = await storeInEpd(stack, medicationAgreement(child.patient, { atc: 'R03AK07' }));
    stack.aid.failNext(503, 1);
    await notify(stack, notificationFor(medicationStep(), resource, 401));
    await settle(stack);
    expect(await tasksFor(stack, refOf(resource))).toHaveLength(2);
    expect(await stack.service.queues.invitations.getFailedCount()).toBe(0);
  });

  it('fails an invitation at once, with the reason on its Task, when the platform refuses it (4xx)', async () => {
    const child = await freshChild(stack, 5);
    const resource = await storeInEpd(stack, medicationAgreement(child.patient, { atc: 'R03DC03' }));
    stack.aid.failNext(400, 1);
    await notify(stack, notificationFor(medicationStep(), resource, 501));
    await settle(stack);
    const failed = (await stack.service.queues.invitations.getFailed()).filter((j) =>
      j.data.focus.startsWith(refOf(resource)),
    );
    expect(failed).toHaveLength(1);
    expect(failed[0]!.attemptsMade).toBe(1);
    expect(failed[0]!.failedReason).toMatch(/400/);
    // The Task was written before the platform was asked: the care team sees the refusal.
    const tasks = await tasksFor(stack, refOf(resource));
    expect(tasks.map((t) => [t.status, t.statusReason?.coding?.[0]?.code])).toEqual([['on-hold', 'platform-refused']]);
  });
});
