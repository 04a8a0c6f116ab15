import { demoSteps, notificationFor } from '../../src/sandbox/demo-scenario.js';
import type { Fault, FaultRule } from '../../src/sandbox/fault-proxy.js';
import { medicationAgreement } from '../../src/sandbox/seed-patients.js';
import { freshChild, notify, refOf, settle, storeInEpd } from '../helpers/embedded.js';
import { proxyQuiet, startProxiedStack, tasksByInvitation, type ProxiedStack } from './proxied-stack.js';

/** The EPD's answer is slow beyond the client's timeout; the timeout leaves room for a loaded test machine. */
const EPD_TIMEOUT_MS = 2_000;
const SLOWER_THAN_TIMEOUT_MS = 4_000;
/** Bound of the wait for all work of one case. */
const SETTLE_TIMEOUT_MS = 45_000;
/** Bounds of start-up and of one case on a busy two-core machine; a case usually takes a few seconds. */
const HOOK_TIMEOUT_MS = 60_000;
const CASE_TIMEOUT_MS = 60_000;
/** Seconds of the injected Retry-After: far longer than the retry backoff, so honouring it shows. */
const RETRY_AFTER_SECONDS = 1;

// Request paths of the two jobs: the events job reads the patient and searches RelatedPersons;
// the invitations job writes the Task (conditional create).
const READ_PATIENT = { method: 'GET', path: /^\/fhir\/Patient\/[^/?]+$/ };
/** The rest of the patient's record (patient, parents, consents) in one batch request. */
const READ_RECORD = { method: 'POST', path: /^\/fhir\/?$/ };
const CREATE_TASK = { method: 'POST', path: /^\/fhir\/Task$/ };

/** The EPD misbehaves in each way an EPD does; every event still ends as one Task per recipient. */
describe('EPD faults: retried with backoff, then one Task per invitation', () => {
  let env: ProxiedStack;
  beforeAll(async () => {
    env = await startProxiedStack({
      EPD_TIMEOUT_MS: String(EPD_TIMEOUT_MS),
      RETRY_BACKOFF_MS: '50',
      JOB_ATTEMPTS: '8',
    });
  }, HOOK_TIMEOUT_MS);
  afterAll(async () => {
    await env?.close();
  }, HOOK_TIMEOUT_MS);
  afterEach(() => env?.proxy.clearRules());

  let eventNumber = 0; // consecutive, as the EPD numbers its notifications (no gap for gap detection to chase)

  /** A new child of `age` gets a new asthma medication agreement, notified once; returns the focus. */
  async function medicationChange(age: number): Promise<string> {
    const child = await freshChild(env.stack, age);
    const resource = await storeInEpd(env.stack, medicationAgreement(child.patient, { atc: 'R03BA05' }));
    expect(
      (await notify(env.stack, notificationFor(demoSteps(env.stack.seed)[0]!, resource, ++eventNumber))).status,
    ).toBe(202);
    return refOf(resource);
  }

  async function expectOneTaskEach(focus: string, invitations: number): Promise<void> {
    await settle(env.stack, SETTLE_TIMEOUT_MS);
    await proxyQuiet(env.proxy);
    const byInvitation = await tasksByInvitation(env.stack, focus);
    expect([...byInvitation.values()]).toEqual(new Array(invitations).fill(1));
    expect(await env.stack.service.queues.invitations.getFailedCount()).toBe(0);
    expect(await env.stack.service.queues.events.getFailedCount()).toBe(0);
  }

  const faulted = (rule: Pick<FaultRule, 'method' | 'path'>, kind: Fault['kind']) =>
    env.proxy.requests.filter((r) => r.fault === kind && r.method === rule.method && rule.path!.test(r.path));

  it.each<[string, Fault]>([
    ['503', { kind: 'status', status: 503 }],
    ['a dropped connection', { kind: 'drop' }],
    ['a timeout', { kind: 'delay', ms: SLOWER_THAN_TIMEOUT_MS }],
  ])(
    'retries %s on reads, the batch read of the record and Task writes',
    async (_name, fault) => {
      for (const rule of [READ_PATIENT, READ_RECORD, CREATE_TASK]) env.proxy.addRule({ ...rule, times: 1, fault });
      const focus = await medicationChange(13);
      await expectOneTaskEach(focus, 2); // the child and the parent
      for (const rule of [READ_PATIENT, READ_RECORD, CREATE_TASK]) expect(faulted(rule, fault.kind)).toHaveLength(1);
    },
    CASE_TIMEOUT_MS,
  );

  it(
    'waits as long as a 429 Retry-After asks before writing the Task again',
    async () => {
      env.proxy.addRule({
        ...CREATE_TASK,
        times: 1,
        fault: { kind: 'status', status: 429, headers: { 'retry-after': String(RETRY_AFTER_SECONDS) } },
      });
      const since = env.proxy.requests.length;
      const focus = await medicationChange(16); // 16: the patient alone, so one Task write to follow
      await expectOneTaskEach(focus, 1);
      const writes = env.proxy.requests
        .slice(since)
        .filter((r) => r.method === 'POST' && CREATE_TASK.path.test(r.path));
      expect(writes.map((w) => w.fault ?? 'forwarded')).toEqual(['status', 'forwarded']);
      // RETRY_BACKOFF_MS is 50 ms: a second attempt this late can only come from the Retry-After.
      expect(writes[1]!.at - writes[0]!.at).toBeGreaterThanOrEqual(RETRY_AFTER_SECONDS * 1000);
    },
    CASE_TIMEOUT_MS,
  );

  it(
    'writes no second Task when the EPD wrote it but the answer never arrived',
    async () => {
      env.proxy.addRule({ ...CREATE_TASK, times: 2, fault: { kind: 'drop-after-forward' } });
      const focus = await medicationChange(14);
      await expectOneTaskEach(focus, 2);
      expect(faulted(CREATE_TASK, 'drop-after-forward')).toHaveLength(2);
      const completed = (await env.stack.service.queues.invitations.getCompleted()).filter((j) =>
        j.data.focus.startsWith(focus),
      );
      // Each job's retry found the Task its lost attempt had written (conditional create).
      expect(completed.map((j) => (j.returnvalue as { created: boolean }).created)).toEqual([false, false]);
    },
    CASE_TIMEOUT_MS,
  );

  it(
    'writes no second Task when the EPD answers a write too late and the retry overtakes it',
    async () => {
      env.proxy.addRule({
        ...CREATE_TASK,
        times: 2,
        fault: { kind: 'delay-after-forward', ms: SLOWER_THAN_TIMEOUT_MS },
      });
      const focus = await medicationChange(12);
      await expectOneTaskEach(focus, 2);
    },
    CASE_TIMEOUT_MS,
  );
});
