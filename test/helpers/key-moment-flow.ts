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
    expect((await notify(stack, notificationFor(step, resource, i + 1))).status).toBe(202);
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
