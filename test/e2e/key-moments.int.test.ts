import { validateResource } from '@medplum/core';
import { demoSteps, notificationFor } from '../../src/sandbox/demo-scenario.js';
import { medicationAgreement } from '../../src/sandbox/seed-patients.js';
import { type EmbeddedStack } from '../../src/sandbox/start-stack.js';
import { freshChild, notify, refOf, settle, storeInEpd, tasksFor, startTestStack } from '../helpers/embedded.js';

/**
 * The spine end to end, on real Redis and the in-process FHIR server over HTTP: an EPD event for
 * each key moment becomes invitations at the decision-aid platform and Tasks in the record. It runs
 * twice: on the lenient sandbox, and on its strict mode, which answers overlapping conditional
 * creates with 409, transactions entry by entry, and builds paging links on another host.
 */
describe.each([
  ['the lenient sandbox', false],
  // Wide and strict enough that concurrent invitation jobs meet and conflict.
  ['a strict EPD', { transactionMs: 50, unrelatedConflictRate: 1 }],
])('key moments end to end on %s', (_name, strict) => {
  let stack: EmbeddedStack;
  beforeAll(async () => {
    // The shipped mapping takes its reflection time from MEDICATION_REFLECTION_DELAY (the embedded default is PT1S).
    stack = await startTestStack({ strict, env: { MEDICATION_REFLECTION_DELAY: 'PT2H' } });
  });
  afterAll(async () => {
    await stack.close();
  });

  it('turns each key moment into the expected invitation Tasks, all valid', async () => {
    const steps = demoSteps(stack.seed);
    const stored = [];
    for (const [i, step] of steps.entries()) {
      const resource = await storeInEpd(stack, step.resource);
      stored.push(resource);
      expect((await notify(stack, notificationFor(step, resource, i + 1))).status).toBe(202);
    }
    await settle(stack);
    if (strict) expect(stack.fhir.strict?.conflicts()).toBeGreaterThan(0); // the run met serialization conflicts
    const aidByCanonical = new Map(
      [...stack.service.mappings.decisionAids.values()].map((a) => [a.activityDefinition, a.id]),
    );
    for (const [i, step] of steps.entries()) {
      const tasks = await tasksFor(stack, refOf(stored[i]!));
      const keys = tasks.map((t) => `${aidByCanonical.get(t.instantiatesCanonical!)}:${t.owner?.reference}`).sort();
      expect(keys).toEqual(step.expected(stack.seed).sort());
      for (const task of tasks) {
        expect(() => validateResource(task)).not.toThrow();
        expect(task.reasonCode?.coding?.[0]?.code).toBe(step.keyMoment);
        expect(task.for?.reference).toBe((stored[i] as { subject?: { reference?: string } }).subject?.reference);
        expect(task.input?.find((x) => x.valueUrl)?.valueUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
      }
    }
  });

  it('reads the resource from the EPD for an id-only notification', async () => {
    const step = { ...demoSteps(stack.seed)[0]!, shape: 'id-only' as const };
    const child = await freshChild(stack, 14);
    const resource = await storeInEpd(stack, medicationAgreement(child.patient, { atc: 'R03AK06' }));
    const body = notificationFor(step, resource, 101);
    expect(JSON.stringify(body)).not.toContain('R03AK06'); // no resource in the payload: only the focus reference
    expect((await notify(stack, body)).status).toBe(202);
    await settle(stack);
    const owners = (await tasksFor(stack, refOf(resource))).map((t) => t.owner?.reference).sort();
    expect(owners).toEqual([child.patient, child.parent].sort());
  });

  it('holds a medication-change invitation back for the configured reflection time', async () => {
    const step = demoSteps(stack.seed)[0]!;
    const child = await freshChild(stack, 9);
    const resource = await storeInEpd(stack, medicationAgreement(child.patient, { atc: 'R03BA02' }));
    await notify(stack, notificationFor(step, resource, 102));
    const { waitForQueuesToDrain } = await import('../../src/sandbox/wait-for-queues.js');
    await waitForQueuesToDrain(stack.service.queues, 20_000, { ignoreDelayed: true });
    const delayed = (await stack.service.queues.invitations.getDelayed()).filter((j) =>
      j.data.focus.startsWith(refOf(resource)),
    );
    expect(delayed.length).toBeGreaterThan(0);
    for (const job of delayed) expect(job.delay).toBe(2 * 3_600_000); // MEDICATION_REFLECTION_DELAY=PT2H
    expect(await tasksFor(stack, refOf(resource))).toHaveLength(0);
    await settle(stack);
    expect((await tasksFor(stack, refOf(resource))).length).toBe(delayed.length);
  });
});
