import type { AuditEvent, Resource, Task } from '@medplum/fhirtypes';
import type { EventJobResult } from '../events/event-job.js';
import { assertRedisAnswers } from '../queue/redis-connection.js';
import { createLogger } from '../shared/logger.js';
import { demoSteps, notificationFor, type DemoStep } from './demo-scenario.js';
import { demoResults } from './demo-results.js';
import { formatKpiSummary } from '../kpi/format-kpi-summary.js';
import { monthOf } from '../kpi/month-period.js';
import { historyMonths, kpiHistoryPlan, storeKpiHistory } from './kpi-history.js';
import { EMBEDDED_INTAKE_TOKEN, startEmbeddedStack, type EmbeddedStack } from './start-stack.js';
import { waitForQueuesToDrain } from './wait-for-queues.js';

/** How long the demo waits for its work before it calls an invitation missing. */
const DEMO_TIMEOUT_MS = 60_000; // the work takes about two seconds; a minute means something is stuck

/**
 * `npm run demo`: the service on embedded parts (in-process FHIR server, decision-aid stand-in, real
 * Redis). Sends a HiX-style event for each key moment, waits for the work, prints what happened and
 * exits non-zero if any expected invitation is missing.
 */
async function runDemo(): Promise<number> {
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  try {
    await assertRedisAnswers(redisUrl);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 2;
  }
  const log = createLogger({ level: process.env.LOG_LEVEL ?? 'warn', pretty: true });
  // EPD_SANDBOX_STRICT=1: the sandbox EPD behaves like a production server (see docs/reliability.md).
  const stack = await startEmbeddedStack({
    log,
    strict: process.env.EPD_SANDBOX_STRICT === '1',
    env: { ...process.env }, // the operator's settings win
  });
  try {
    print(`sdm-bridge demo: EPD ${stack.fhir.baseUrl}, decision-aid platform ${stack.aid.baseUrl}, Redis ${redisUrl}`);
    print(`mapping files: ${stack.service.mappings.files.join(', ')}\n`);
    const steps = demoSteps(stack.seed);
    const stored: (Resource & { id: string })[] = [];
    for (const [index, step] of steps.entries()) {
      stored.push(await sendStep(stack, step, index + 1));
    }
    await waitForQueuesToDrain(stack.service.queues, DEMO_TIMEOUT_MS, { ignoreDelayed: true });
    await skipReflectionTime(stack);
    await waitForQueuesToDrain(stack.service.queues, DEMO_TIMEOUT_MS);
    const invitations = await report(stack, steps, stored);
    const results = await demoResults(stack, print);
    // The figures of this run, computed from the record as GET /kpi does (few answers: mostly suppressed).
    const month = monthOf(new Date(), stack.config.kpi.timeZone);
    print(
      `\n${formatKpiSummary(await stack.service.kpi.summary({ from: month, to: month }, { fresh: true })).join('\n')}`,
    );
    await printSampleHalfYear(stack);
    return invitations !== 0 || results !== 0 ? 1 : 0;
  } finally {
    await stack.close();
  }
}

/**
 * Too few answers in one run to show a figure, so the demo also writes a generated half year of
 * invitations and answers into the sandbox EPD (sample data, said so) and prints its figures: one
 * answer per patient per key moment, n answers and the patients behind them, suppression, bands.
 */
async function printSampleHalfYear(stack: EmbeddedStack): Promise<void> {
  const months = historyMonths();
  await storeKpiHistory(stack.fhir.repo, kpiHistoryPlan(months));
  const summary = await stack.service.kpi.summary({ from: months[0]!, to: months.at(-1)! }, { fresh: true });
  print(`\nThe same figures for a generated half year (sample data written into the sandbox EPD):`);
  print(formatKpiSummary(summary).join('\n'));
}

/** Writes the resource into the EPD (as HiX would) and posts the EPD's notification to /fhir/notify. */
async function sendStep(stack: EmbeddedStack, step: DemoStep, eventNumber: number): Promise<Resource & { id: string }> {
  const created = await fetch(`${stack.fhir.baseUrl}/${step.resource.resourceType}`, {
    method: 'POST',
    headers: { 'content-type': 'application/fhir+json' },
    body: JSON.stringify(step.resource),
  });
  const resource = (await created.json()) as Resource & { id: string };
  const answer = await fetch(`${stack.service.url}/fhir/notify`, {
    method: 'POST',
    headers: { 'content-type': 'application/fhir+json', authorization: `Bearer ${EMBEDDED_INTAKE_TOKEN}` },
    body: JSON.stringify(notificationFor(step, resource, eventNumber)),
  });
  print(`→ ${step.keyMoment.padEnd(17)} ${step.title}`);
  print(`  ${resource.resourceType}/${resource.id} sent as ${step.shape} notification: HTTP ${answer.status}`);
  return resource;
}

/** Invitations wait out their reflection time as delayed jobs; the demo shows them and sends them now. */
async function skipReflectionTime(stack: EmbeddedStack): Promise<void> {
  const delayed = await stack.service.queues.invitations.getDelayed();
  if (delayed.length === 0) return;
  const byMoment = new Map<string, number>();
  for (const job of delayed)
    byMoment.set(
      `${job.data.keyMoment} after ${formatDelay(job.delay)}`,
      (byMoment.get(`${job.data.keyMoment} after ${formatDelay(job.delay)}`) ?? 0) + 1,
    );
  print(
    `\n${delayed.length} invitation(s) wait for their reflection time: ${[...byMoment].map(([k, n]) => `${n}× ${k}`).join(', ')}`,
  );
  print('  (demo: sending them now instead of waiting)');
  await Promise.all(delayed.map((job) => job.promote()));
}

function formatDelay(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000} d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  return `${Math.round(ms / 1000)} s`;
}

async function report(stack: EmbeddedStack, steps: DemoStep[], stored: (Resource & { id: string })[]): Promise<number> {
  const aidByCanonical = new Map(
    [...stack.service.mappings.decisionAids.values()].map((a) => [a.activityDefinition, a.id]),
  );
  const tasks = await searchTasks(stack.fhir.baseUrl);
  let missing = 0;
  print('\nInvitations recorded in the EPD:');
  for (const [index, step] of steps.entries()) {
    const focus = `${stored[index]!.resourceType}/${stored[index]!.id}`;
    const mine = tasks.filter((t) => t.focus?.reference?.startsWith(`${focus}/`) || t.focus?.reference === focus);
    const found = new Map(
      mine.map((t) => [`${aidByCanonical.get(t.instantiatesCanonical ?? '') ?? '?'}:${t.owner?.reference}`, t]),
    );
    print(`${step.keyMoment} (${focus}):`);
    const expected = step.expected(stack.seed);
    if (step.skippedFor) missing += await reportSkip(stack, step, focus);
    else if (expected.length === 0 && mine.length === 0) print('  no invitation, as expected (no rule applies)');
    for (const key of expected) {
      const task = found.get(key);
      const [aid, owner] = key.split(':');
      if (task)
        print(
          `  ✓ ${aid} for ${owner} → Task/${task.id} (${task.status}${task.statusReason?.text ? `: ${task.statusReason.text}` : ''})`,
        );
      else {
        missing += 1;
        print(`  ✗ MISSING: ${aid} for ${owner}`);
      }
    }
    for (const [key, task] of found) if (!expected.includes(key)) print(`  ! unexpected: ${key} → Task/${task.id}`);
  }
  const failed = await stack.service.queues.invitations.getFailedCount();
  print(
    `\n${tasks.length} Task(s) written, ${stack.aid.invitations.length} invitation(s) at the platform, ${failed} failed job(s).`,
  );
  const unaudited = await reportAudit(stack.fhir.baseUrl, tasks);
  if (missing > 0) print(`${missing} expected invitation(s) or skip(s) missing.`);
  return missing > 0 || failed > 0 || unaudited > 0 ? 1 : 0;
}

/** Shows why a step led to no invitation, as the events job recorded it; 1 when that reason is missing. */
async function reportSkip(stack: EmbeddedStack, step: DemoStep, focus: string): Promise<number> {
  const jobs = (await stack.service.queues.events.getCompleted()).filter((job) => job.data.reference === focus);
  const skipped = jobs
    .flatMap((job) => (job.returnvalue as EventJobResult | undefined)?.skipped ?? [])
    .filter((s) => s.code === step.skippedFor);
  for (const s of skipped) print(`  ✓ no invitation (${s.triggerId}): ${s.reason}`);
  if (skipped.length > 0) return 0;
  print(`  ✗ MISSING: a skip for ${step.skippedFor}`);
  return 1;
}

/** Reads the audit trail back from the EPD: one AuditEvent per invitation Task, and shows one. Returns the Tasks without one. */
async function reportAudit(baseUrl: string, tasks: Task[]): Promise<number> {
  const res = await fetch(`${baseUrl}/AuditEvent?_count=1000`);
  const events = ((await res.json()) as { entry?: { resource: AuditEvent }[] }).entry?.map((e) => e.resource) ?? [];
  const audited = new Set(events.flatMap((e) => e.entity?.map((entity) => entity.what?.reference) ?? []));
  const unaudited = tasks.filter((t) => !audited.has(`Task/${t.id}`)).length;
  print(`${events.length} AuditEvent(s) in the EPD; ${unaudited} invitation Task(s) without one.`);
  const example = events.find((e) => e.agent.some((agent) => agent.who?.type === 'RelatedPerson')) ?? events[0];
  if (example)
    print(`\nOne of them, as read back from the EPD (AuditEvent/${example.id}):\n${JSON.stringify(example, null, 2)}`);
  return unaudited;
}

async function searchTasks(baseUrl: string): Promise<Task[]> {
  const res = await fetch(`${baseUrl}/Task?_count=1000`);
  const bundle = (await res.json()) as { entry?: { resource: Task }[] };
  return bundle.entry?.map((e) => e.resource) ?? [];
}

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

runDemo().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`demo failed: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
