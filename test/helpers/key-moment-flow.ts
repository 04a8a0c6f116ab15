import { demoSteps, notificationFor } from '../../src/sandbox/demo-scenario.js';
import type { EmbeddedStack } from '../../src/sandbox/start-stack.js';
import { notify, refOf, settle, storeInEpd, tasksFor } from './embedded.js';

/**
 * The key-moment flow of the demo on a running stack: each step's resource is stored in the EPD
 * and notified; once the queues settle, each step has exactly its expected invitation Tasks and no
 * job failed. For tests that vary what lies underneath (Redis topologies).
 */
export async function expectKeyMomentTasks(stack: EmbeddedStack, settleTimeoutMs: number): Promise<void> {
  const steps = demoSteps(stack.seed);
  const stored = [];
  for (const [i, step] of steps.entries()) {
    const resource = await storeInEpd(stack, step.resource);
    stored.push(resource);
    expect(await notifyAsAnEpd(stack, notificationFor(step, resource, i + 1))).toBe(202);
  }
  await settle(stack, settleTimeoutMs);
  const aidByCanonical = new Map(
    [...stack.service.mappings.decisionAids.values()].map((a) => [a.activityDefinition, a.id]),
  );
  for (const [i, step] of steps.entries()) {
    const tasks = await tasksFor(stack, refOf(stored[i]!));
    const keys = tasks.map((t) => `${aidByCanonical.get(t.instantiatesCanonical!)}:${t.owner?.reference}`).sort();
    expect(keys).toEqual(step.expected(stack.seed).sort());
  }
  expect(await stack.service.queues.events.getFailedCount()).toBe(0);
  expect(await stack.service.queues.invitations.getFailedCount()).toBe(0);
}

/** Attempts an EPD makes at one notification; 503 means "send again" (README, "Reliability"). */
const SEND_ATTEMPTS = 5;

/**
 * Sends a notification as an EPD does: again after a 503 (a cold cluster connection's first queue
 * write may outlast the intake's 3 s limit on a busy machine), at most SEND_ATTEMPTS times; the
 * last status is returned, so a service that keeps answering 503 still fails the test.
 */
async function notifyAsAnEpd(stack: EmbeddedStack, body: unknown): Promise<number> {
  let status = 0;
  for (let attempt = 1; attempt <= SEND_ATTEMPTS; attempt++) {
    status = (await notify(stack, body)).status;
    if (status !== 503) return status;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return status;
}
