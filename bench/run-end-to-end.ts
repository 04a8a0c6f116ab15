import type { Resource } from '@medplum/fhirtypes';
import { BENCH_INTAKE_TOKEN } from './bench-env.js';
import { changeFor, seedPatients } from './bench-population.js';
import type { BenchSettings } from './bench-settings.js';
import { startBenchService, type BenchContext, type BenchEpd, type RoleMemory } from './bench-stack.js';
import { fullResourceNotification } from './notification-body.js';
import { percentile } from './percentile.js';
import { queueTimings, type QueueTimings } from './queue-timings.js';
import { drainedWithin } from './wait-for-work.js';

/** Notification received → invitation Task written, at a steady rate. */
export interface EndToEndFigures {
  events: number;
  /** Events per second actually sent. */
  sentPerSec: number;
  tasks: number;
  /** Milliseconds from sending a notification to each of its Tasks being written. */
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Notifications not answered 202, and events without any Task (both should be 0). */
  refused: number;
  eventsWithoutTask: number;
  /** False when work was still queued `drainCapSec` after the last send: the pipeline did not keep up, and the percentiles cover only what was written. */
  keptUp: boolean;
  /** Events that got their Tasks, per second from the first send to the last Task written: what the pipeline managed on this machine. */
  completedPerSec: number;
  memory: RoleMemory;
  /** Answers of the API by HTTP status (0: no answer). */
  statuses: Record<string, number>;
  /** Where the time went, by BullMQ's job timestamps. */
  queues: { events: QueueTimings; invitations: QueueTimings };
  /** Settings the service ran with beyond `.env.example`. */
  settings: Record<string, string>;
}

/** How often the sender looks at the clock: 5 ms keeps 200 events/s within one event of schedule. */
const TICK_MS = 5;

/**
 * A steady stream of key-moment events, each for its own child (so no throttle hides one), through
 * the API and worker processes: intake, rules, the decision aid (HTTP API or signed link) and the
 * Task written into the bench's EPD. Each change is stored in the EPD first, as HiX does, then
 * notified with a full-resource notification. The latency of each Task is its write time (noted by
 * the EPD's store) minus the send time of its notification, both on the bench process's clock.
 */
export async function runEndToEnd(
  ctx: BenchContext,
  epd: BenchEpd,
  settings: BenchSettings,
  extra: Record<string, string> = {},
): Promise<EndToEndFigures> {
  const { eventsPerSecond, durationSec } = settings.endToEnd;
  const count = eventsPerSecond * durationSec;
  await seedPatients(epd.repo, count, () => true);
  const changes: (Resource & { id: string })[] = [];
  for (let i = 0; i < count; i++) changes.push(await epd.repo.createResource(changeFor(i, i, true)));
  const service = await startBenchService(ctx, epd, { phase: 'e2e', roles: ['api', 'worker'], extra });
  try {
    const sent = await sendSteadily(`${service.api!.url}/fhir/notify`, changes, eventsPerSecond);
    const keptUp = await drainedWithin(service.queues, settings.endToEnd.drainCapSec * 1000);
    const latencies: number[] = [];
    let eventsWithoutTask = 0;
    let lastWrite = sent.at[0]!;
    changes.forEach((change, i) => {
      const written = epd.repo.tasksWritten.get(change.id) ?? [];
      if (!written.length) eventsWithoutTask += 1;
      for (const at of written) {
        latencies.push(at - sent.at[i]!);
        lastWrite = Math.max(lastWrite, at);
      }
    });
    latencies.sort((a, b) => a - b);
    const memory = await service.peakRss();
    return {
      events: count,
      sentPerSec: Math.round(count / sent.seconds),
      tasks: latencies.length,
      p50Ms: percentile(latencies, 50),
      p95Ms: percentile(latencies, 95),
      p99Ms: percentile(latencies, 99),
      maxMs: latencies.at(-1) ?? NaN,
      refused: sent.statuses.filter((status) => status !== 202).length,
      statuses: countBy(sent.statuses),
      eventsWithoutTask,
      keptUp,
      completedPerSec: Math.round((count - eventsWithoutTask) / Math.max(0.001, (lastWrite - sent.at[0]!) / 1000)),
      memory,
      queues: {
        events: await queueTimings(service.queues.events),
        invitations: await queueTimings(service.queues.invitations),
      },
      settings: extra,
    };
  } finally {
    await service.close();
  }
}

/** Sends one notification per change at `perSecond`, open loop (a slow answer does not slow the sending). */
async function sendSteadily(url: string, changes: readonly (Resource & { id: string })[], perSecond: number) {
  const at: number[] = [];
  const answers: Promise<number>[] = [];
  const started = Date.now();
  while (at.length < changes.length) {
    const due = Math.min(changes.length, Math.floor(((Date.now() - started) / 1000) * perSecond) + 1);
    while (at.length < due) {
      const i = at.length;
      at.push(Date.now());
      const body = JSON.stringify(fullResourceNotification(changes[i]!, i + 1, new Date(at[i]!).toISOString()));
      answers.push(post(url, body));
    }
    await new Promise((resolve) => setTimeout(resolve, TICK_MS));
  }
  const seconds = (Date.now() - started) / 1000;
  return { at, seconds, statuses: await Promise.all(answers) };
}

function countBy(values: readonly number[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[String(value)] = (counts[String(value)] ?? 0) + 1;
  return counts;
}

async function post(url: string, body: string): Promise<number> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json', authorization: `Bearer ${BENCH_INTAKE_TOKEN}` },
      body,
    });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}
