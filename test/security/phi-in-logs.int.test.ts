import type { Bundle, Patient, RelatedPerson, Task } from '@medplum/fhirtypes';
import { servedRoutes } from '../../src/http/openapi-routes.js';
import { queueList } from '../../src/queue/queue-list.js';
import { demoSteps, notificationFor } from '../../src/sandbox/demo-scenario.js';
import { startFaultProxy, type FaultProxy } from '../../src/sandbox/fault-proxy.js';
import { SEED_PEOPLE } from '../../src/sandbox/seed-people.js';
import { type EmbeddedStack } from '../../src/sandbox/start-stack.js';
import { createLogger } from '../../src/shared/logger.js';
import { platformResult } from '../fixtures/results/result-fixtures.js';
import { notify, refOf, settle, startTestStack, storeInEpd, tasksFor } from '../helpers/embedded.js';
import { startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server.js';

/** Per hook and test: a stack start or a settle takes seconds on a loaded 2-core machine. */
const SLOW_MS = 60_000;

/** Every value of the seed fixtures that identifies a person: BSN, names, address, phone, e-mail. */
function seededValues(): string[] {
  return SEED_PEOPLE.flatMap((p) => [
    p.bsn,
    p.given,
    p.family,
    p.address.line,
    p.address.postalCode,
    p.address.city,
    p.phone,
    ...p.parents.flatMap((parent) => [parent.given, parent.family, parent.mobile, parent.email]),
  ]);
}

/** The same kinds of values as the sandbox EPD holds them, birth dates included (they are computed from today). */
async function storedValues(stack: EmbeddedStack): Promise<string[]> {
  const people: (Patient | RelatedPerson)[] = [];
  for (const type of ['Patient', 'RelatedPerson']) {
    const bundle = (await (await fetch(`${stack.fhir.baseUrl}/${type}?_count=1000`)).json()) as Bundle<
      Patient | RelatedPerson
    >;
    people.push(...(bundle.entry ?? []).map((e) => e.resource!));
  }
  return people.flatMap((p) => [
    ...(p.birthDate ? [p.birthDate] : []),
    ...(p.name ?? []).flatMap((n) => [...(n.given ?? []), ...(n.family ? [n.family] : [])]),
    ...(p.telecom ?? []).flatMap((t) => (t.value ? [t.value] : [])),
    ...(p.identifier ?? []).flatMap((i) => (i.value ? [i.value] : [])),
    ...(p.address ?? []).flatMap((a) => [
      ...(a.line ?? []),
      ...(a.postalCode ? [a.postalCode] : []),
      ...(a.city ? [a.city] : []),
    ]),
  ]);
}

/** Whole words only: "Sem" must not match "Semantic", a postal code is matched as it is written. */
const occurs = (needle: string, haystack: string) =>
  new RegExp(`(^|[^\\p{L}\\p{N}])${needle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^\\p{L}\\p{N}])`, 'u').test(
    haystack,
  );

/** Data and results of every job still in Redis, as text. */
async function jobPayloads(stack: EmbeddedStack): Promise<string[]> {
  const texts: string[] = [];
  for (const queue of queueList(stack.service.queues)) {
    for (const job of await queue.getJobs(['waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized'])) {
      texts.push(
        JSON.stringify({
          queue: queue.name,
          data: job.data,
          returnvalue: job.returnvalue,
          failedReason: job.failedReason,
        }),
      );
    }
  }
  return texts;
}

describe('patient data stays out of the logs and the job payloads (whole flow, every level)', () => {
  let stack: EmbeddedStack;
  const lines: string[] = [];

  beforeAll(async () => {
    const log = createLogger({ level: 'trace', destination: { write: (line: string) => void lines.push(line) } });
    stack = await startTestStack({ log });
  }, SLOW_MS);
  afterAll(async () => {
    await stack?.close();
  }, SLOW_MS);

  it('logs and queues no BSN, name, birth date, address, phone number or e-mail of the fixtures', async () => {
    // Every key moment in every intake shape, through both kinds of decision-aid delivery.
    const tasks: Task[] = [];
    for (const [i, step] of demoSteps(stack.seed).entries()) {
      const stored = await storeInEpd(stack, step.resource);
      expect((await notify(stack, notificationFor(step, stored, i + 1))).status).toBe(202);
      await settle(stack);
      tasks.push(...(await tasksFor(stack, refOf(stored))));
    }
    expect(tasks.length).toBeGreaterThan(0);
    // A result written back, when the results route is there.
    const served = servedRoutes(stack.service.apps.api!).map((r) => `${r.method} ${r.path}`);
    // A parent's invitation: the result carries an SDM-Q9, which a 13-year-old does not answer for themselves.
    const astma = tasks.find(
      (t) => t.instantiatesCanonical?.includes('astma-kind') && t.owner?.reference?.startsWith('RelatedPerson/'),
    );
    expect(astma).toBeDefined();
    if (served.includes('POST /decision-aids/{aidId}/results') && astma) {
      const res = await fetch(`${stack.service.url}/decision-aids/astma-kind/results`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.env.ASTMA_KEUZEHULP_TOKEN}` },
        body: JSON.stringify(platformResult(astma.identifier![0]!.value!, { id: 'phi-log-test' })),
      });
      expect(res.status).toBe(202);
      await settle(stack);
    }
    // Refused bodies that carry patient data: an error answer must not carry them into the log.
    const person = SEED_PEOPLE[0]!;
    const patient = {
      resourceType: 'Patient',
      id: 'not a valid id',
      identifier: [{ system: 'http://fhir.nl/fhir/NamingSystem/bsn', value: person.bsn }],
      name: [{ family: person.family, given: [person.given] }],
      telecom: [{ system: 'phone', value: person.phone }],
    };
    const refused = [
      patient,
      { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: patient }] },
      `{"resourceType":"Patient","name":[{"family":"${person.family}","given":["${person.given}"]}],"identifier":[{"value":"${person.bsn}"}] broken`,
      `{"resourceType":"Patient","telecom":[{"value":"${person.phone}"}],"address":[{"line":["${person.address.line}"]}]`,
      { resourceType: 'Bundle', type: person.family, entry: [{ resource: patient }] },
      `{"resourceType":"Patient","name":[{"given":[${person.given}]}]}`, // the JSON parser quotes the text around an unexpected token
      `{"resourceType":"Patient","identifier":[{"value":${person.bsn}x}]}`,
    ];
    for (const body of refused) expect((await notify(stack, body)).status).toBeGreaterThanOrEqual(400);
    // An event whose resource is gone: the worker's failure is logged too.
    expect(
      (await notify(stack, { resourceType: 'MedicationRequest', id: 'gone-1', meta: { versionId: '1' } })).status,
    ).toBe(202);
    await settle(stack).catch(() => undefined);

    const text = lines.join('\n');
    expect(lines.length).toBeGreaterThan(20); // the capture works, at every level
    expect(lines.some((l) => (JSON.parse(l) as { level: number }).level <= 30)).toBe(true); // the service logs nothing below info today; trace is on in case it does
    const needles = [...new Set([...seededValues(), ...(await storedValues(stack))])].filter((n) => n.length >= 3);
    expect(needles.length).toBeGreaterThan(40);
    const found = needles.filter((n) => occurs(n, text));
    const where = found.map((n) => `${n}: ${lines.find((l) => occurs(n, l))?.slice(0, 300)}`);
    expect(where).toEqual([]);
    // Jobs hold references and event keys: none of the same values waits in Redis either.
    const payloads = await jobPayloads(stack);
    expect(payloads.length).toBeGreaterThan(5);
    const inJobs = needles.filter((n) => payloads.some((p) => occurs(n, p)));
    expect(inJobs.map((n) => `${n}: ${payloads.find((p) => occurs(n, p))?.slice(0, 300)}`)).toEqual([]);
  }, 180_000);
});

/** An error answer that quotes a seeded person: what real EPDs and platforms put in their error texts. */
function quotingOutcome(person: (typeof SEED_PEOPLE)[number]): string {
  const quote = `${person.given} ${person.family}, BSN ${person.bsn}, ${person.address.line}, ${person.address.postalCode} ${person.address.city}, tel ${person.phone}`;
  return JSON.stringify({
    resourceType: 'OperationOutcome',
    issue: [
      { severity: 'error', code: 'invalid', details: { text: `Refused: ${quote}` }, diagnostics: quote },
      { severity: 'error', code: 'duplicate', expression: [`Patient.identifier.where(value = '${person.bsn}')`] },
    ],
  });
}

describe('patient data quoted in remote errors stays out of logs, jobs and answers', () => {
  let stack: EmbeddedStack;
  let epdProxy: FaultProxy;
  let platform: LoopbackServer;
  const lines: string[] = [];
  const person = SEED_PEOPLE[0]!;
  const ADMIN_TOKEN = 'embedded-admin-token-0123456789';

  beforeAll(async () => {
    const log = createLogger({ level: 'trace', destination: { write: (line: string) => void lines.push(line) } });
    // A platform that refuses every invitation, quoting the patient it was asked about.
    platform = await startLoopbackServer((_req, res) => {
      res.writeHead(422, { 'content-type': 'application/json' }).end(quotingOutcome(person));
    });
    stack = await startTestStack({
      log,
      env: { ASTMA_KEUZEHULP_URL: `${platform.origin}/api/invitations`, ADMIN_TOKEN },
      epdBaseUrl: async (target) => {
        epdProxy = await startFaultProxy({ target });
        return epdProxy.baseUrl;
      },
    });
  }, SLOW_MS);
  afterAll(async () => {
    await stack?.close();
    await Promise.all([epdProxy?.close(), platform?.close()]);
  }, SLOW_MS);

  it('keeps every quoted name, BSN, address and phone number out of logs, failed jobs and HTTP answers', async () => {
    const body = quotingOutcome(person);
    // The EPD refuses the first invitation Task, quoting the patient; the platform refuses the others.
    epdProxy.addRule({ method: 'POST', path: /\/Task(\?|$)/, times: 1, fault: { kind: 'status', status: 422, body } });
    for (const [i, step] of demoSteps(stack.seed).entries()) {
      const stored = await storeInEpd(stack, step.resource);
      expect((await notify(stack, notificationFor(step, stored, 100 + i))).status).toBe(202);
      await settle(stack).catch(() => undefined);
    }
    // The KPI page while the EPD fails its searches with the same text: a 5xx that must not quote it.
    const removeRule = epdProxy.addRule({ method: 'GET', fault: { kind: 'status', status: 500, body } });
    const kpi = await fetch(`${stack.service.url}/kpi`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const answer = await kpi.text();
    removeRule();
    expect(kpi.status).toBeGreaterThanOrEqual(500);

    const failed = await stack.service.queues.invitations.getFailed();
    expect(failed.length).toBeGreaterThan(0); // the refusals did happen
    const stored = failed.map((job) => JSON.stringify({ reason: job.failedReason, stack: job.stacktrace }));
    const needles = [
      person.given,
      person.family,
      person.bsn,
      person.address.line,
      person.address.postalCode,
      person.phone,
    ];
    const haystacks = { logs: lines.join('\n'), jobs: [...stored, ...(await jobPayloads(stack))].join('\n'), answer };
    const leaks = Object.entries(haystacks).flatMap(([where, text]) =>
      needles.filter((n) => occurs(n, text)).map((n) => `${where}: ${n}`),
    );
    expect(leaks).toEqual([]);
    expect(stored.join('\n')).toMatch(/text #[0-9a-f]{12}/); // what is kept instead: codes and a hash
  }, 180_000);
});
