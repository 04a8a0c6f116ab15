import type { AuditEvent, Bundle } from '@medplum/fhirtypes';
import type { CliIo } from '../../src/cli/cli-command.js';
import { CLI_COMMANDS } from '../../src/cli/cli-commands.js';
import { runCli } from '../../src/cli/cli-run.js';
import { demoSteps, notificationFor } from '../../src/sandbox/demo-scenario.js';
import { medicationAgreement } from '../../src/sandbox/seed-patients.js';
import { EMBEDDED_INTAKE_TOKEN, type EmbeddedStack } from '../../src/sandbox/start-stack.js';
import { REQUEST_ID_SYSTEM } from '../../src/shared/request-id.js';
import { freshChild, refOf, settle, startTestStack, storeInEpd, tasksFor } from '../helpers/embedded.js';

/** Posts a notification with the sender's own request id, if given; returns the status and the id answered. */
async function notifyWithId(stack: EmbeddedStack, body: unknown, requestId?: string) {
  const res = await fetch(`${stack.service.url}/fhir/notify`, {
    method: 'POST',
    headers: {
      'content-type': 'application/fhir+json',
      authorization: `Bearer ${EMBEDDED_INTAKE_TOKEN}`,
      ...(requestId ? { 'x-request-id': requestId } : {}),
    },
    body: JSON.stringify(body),
  });
  await res.body?.cancel();
  return { status: res.status, requestId: res.headers.get('x-request-id') };
}

/** `sdm-bridge trace` in this process, on the stack's Redis and EPD. */
async function trace(stack: EmbeddedStack, args: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const io: CliIo = { out: (l) => out.push(l), err: (l) => out.push(l), progress: () => undefined, interactive: false };
  const code = await runCli(['trace', ...args], CLI_COMMANDS, io, stack.env);
  return { code, out: out.join('\n') };
}

const tagOf = (resource: { meta?: { tag?: { system?: string; code?: string }[] } }) =>
  resource.meta?.tag?.find((t) => t.system === REQUEST_ID_SYSTEM)?.code;

/** One id per event: stamped at intake, carried to the Tasks and AuditEvents, and traceable. */
describe('request id from notification to Task', () => {
  let stack: EmbeddedStack;
  beforeAll(async () => {
    // Push only: in mode both a poll may find the change first, and its event (same key) carries the poll's id.
    stack = await startTestStack({ env: { INTAKE_HIX_MODE: 'push' } });
  });
  afterAll(async () => {
    await stack.close();
  });

  it("keeps the sender's X-Request-Id on the Tasks and AuditEvents, and trace shows the path", async () => {
    const child = await freshChild(stack, 13);
    const resource = await storeInEpd(stack, medicationAgreement(child.patient, { atc: 'R03BA05' }));
    const requestId = `hix-${Date.now().toString(36)}`;
    const answer = await notifyWithId(stack, notificationFor(demoSteps(stack.seed)[0]!, resource, 401), requestId);
    expect(answer).toEqual({ status: 202, requestId });
    await settle(stack);

    const tasks = await tasksFor(stack, refOf(resource));
    expect(tasks).toHaveLength(2); // the child and the parent
    expect(tasks.map(tagOf)).toEqual([requestId, requestId]);
    const audits = (await (
      await fetch(`${stack.fhir.baseUrl}/AuditEvent?_tag=${REQUEST_ID_SYSTEM}|${requestId}`)
    ).json()) as Bundle<AuditEvent>;
    expect(audits.entry?.map((e) => tagOf(e.resource!))).toEqual([requestId, requestId]);

    const { code, out } = await trace(stack, [requestId]);
    expect(code).toBe(0);
    expect(out).toContain(`request ${requestId}`);
    expect(out).toContain('notification → 1 event job(s)');
    expect(out).toContain(refOf(resource));
    expect(out).toContain('→ 2 invitation job(s)');
    for (const task of tasks) expect(out).toContain(`Task/${task.id} (${task.status})`);
    expect(out).toContain('→ 2 AuditEvent(s)');
  });

  it("takes the notification's id when the header is missing or unsafe, and answers with it", async () => {
    const child = await freshChild(stack, 13);
    const resource = await storeInEpd(stack, medicationAgreement(child.patient, { atc: 'R03BA05' }));
    const message = notificationFor({ ...demoSteps(stack.seed)[0]!, shape: 'message' }, resource, 402);
    expect(await notifyWithId(stack, message, 'a b<c>')).toEqual({ status: 202, requestId: message.id });
    await settle(stack);
    expect((await tasksFor(stack, refOf(resource))).map(tagOf)).toEqual([message.id, message.id]);
  });

  it('says so when nothing is known of an id', async () => {
    const { code, out } = await trace(stack, ['no-such-request']);
    expect(code).toBe(0);
    expect(out).toContain('nothing found');
  });
});
