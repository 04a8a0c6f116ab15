import { invitationLinkOf } from '../../src/decision-aids/build-invitation-task.js';
import { demoSteps, notificationFor } from '../../src/sandbox/demo-scenario.js';
import { medicationAgreement } from '../../src/sandbox/seed-patients.js';
import { type EmbeddedStack } from '../../src/sandbox/start-stack.js';
import { createLogger } from '../../src/shared/logger.js';
import { freshChild, notify, refOf, settle, startTestStack, storeInEpd, tasksFor } from '../helpers/embedded.js';
import { tasksByInvitation } from './proxied-stack.js';

/** The fixture mappings give the platform 2 s to answer; a late answer comes well after that. */
const LATER_THAN_AID_TIMEOUT_MS = 5_000;
const HOOK_TIMEOUT_MS = 60_000;
const CASE_TIMEOUT_MS = 60_000;
const SETTLE_TIMEOUT_MS = 45_000;

/** Decision-aid platform failures: 5xx and timeouts are retried, a 4xx fails at once and can be replayed. */
describe('decision-aid platform faults', () => {
  let stack: EmbeddedStack;
  const logLines: Record<string, unknown>[] = [];
  let eventNumber = 0;
  beforeAll(async () => {
    const log = createLogger({
      level: 'info',
      destination: { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) },
    });
    stack = await startTestStack({
      log,
      env: { MAPPINGS_DIR: 'test/fixtures/chaos-mappings', RETRY_BACKOFF_MS: '50', JOB_ATTEMPTS: '8' },
    });
  }, HOOK_TIMEOUT_MS);
  afterAll(async () => {
    await stack?.close();
  }, HOOK_TIMEOUT_MS);

  async function medicationChange(age: number): Promise<string> {
    const child = await freshChild(stack, age);
    const resource = await storeInEpd(stack, medicationAgreement(child.patient, { atc: 'R03AK07' }));
    expect((await notify(stack, notificationFor(demoSteps(stack.seed)[0]!, resource, ++eventNumber))).status).toBe(202);
    return refOf(resource);
  }
  const atPlatform = (invitationId: string) =>
    stack.aid.invitations.filter((i) => i.invitationId === invitationId).length;

  it(
    'retries a 5xx and records each invitation once',
    async () => {
      stack.aid.failNext(503, 2);
      const focus = await medicationChange(13); // the child and the parent: two invitations
      await settle(stack, SETTLE_TIMEOUT_MS);
      const tasks = await tasksByInvitation(stack, focus);
      expect([...tasks.values()]).toEqual([1, 1]);
      for (const id of tasks.keys()) expect(atPlatform(id)).toBe(1);
      expect(await stack.service.queues.invitations.getFailedCount()).toBe(0);
    },
    CASE_TIMEOUT_MS,
  );

  it(
    'retries after a timeout; the retry gets the invitation the platform already made',
    async () => {
      const held = stack.aid.lateAnswers;
      stack.aid.answerLate(LATER_THAN_AID_TIMEOUT_MS, { count: 2 });
      const focus = await medicationChange(14);
      await settle(stack, SETTLE_TIMEOUT_MS);
      expect(stack.aid.lateAnswers - held).toBe(2);
      const tasks = await tasksByInvitation(stack, focus);
      expect([...tasks.values()]).toEqual([1, 1]);
      for (const id of tasks.keys()) expect(atPlatform(id)).toBe(1); // Idempotency-Key: no second invitation
      const timedOut = logLines.filter(
        (l) => l.msg === 'job attempt failed; will retry' && /no answer within/.test(String(l.reason)),
      );
      expect(timedOut.length).toBeGreaterThanOrEqual(2);
    },
    CASE_TIMEOUT_MS,
  );

  it(
    'fails a 4xx at once with the reason, and a replay after the fix records it once',
    async () => {
      stack.aid.failNext(400, 1);
      const focus = await medicationChange(16); // 16: the patient alone, one invitation
      await settle(stack, SETTLE_TIMEOUT_MS);
      const [failed, ...others] = (await stack.service.queues.invitations.getFailed()).filter((j) =>
        j.data.focus.startsWith(focus),
      );
      expect(others).toHaveLength(0);
      expect(failed!.attemptsMade).toBe(1); // no retries of a request the platform refused
      expect(failed!.failedReason).toMatch(/platform answered 400/);
      // Visible to operators: one error line with the job id and the reason (the queue dashboard shows the same).
      expect(logLines).toContainEqual(
        expect.objectContaining({
          level: 50,
          msg: 'job failed',
          jobId: failed!.id,
          reason: expect.stringMatching(/400/),
        }),
      );
      // Task first: the refused invitation is on hold with the reason, not missing.
      const held = await tasksFor(stack, focus);
      expect(held.map((t) => [t.status, t.statusReason?.coding?.[0]?.code])).toEqual([['on-hold', 'platform-refused']]);

      // The cause is fixed (the stand-in accepts again); the operator replays the failed job.
      await failed!.retry('failed');
      await settle(stack, SETTLE_TIMEOUT_MS);
      const tasks = await tasksByInvitation(stack, focus);
      expect([...tasks.values()]).toEqual([1]);
      // Finished: the link is on the Task and the refusal is gone from it.
      const [finished] = await tasksFor(stack, focus);
      expect(invitationLinkOf(finished!)).toMatch(/^https?:/);
      expect(finished!.statusReason?.coding?.[0]?.code).not.toBe('platform-refused');
      expect(atPlatform([...tasks.keys()][0]!)).toBe(1);
      expect(await stack.service.queues.invitations.getFailedCount()).toBe(0);
    },
    CASE_TIMEOUT_MS,
  );
});
