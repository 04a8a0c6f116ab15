import type { Resource } from '@medplum/fhirtypes';
import type { EmbeddedStack } from '../sandbox/start-stack.js';
import { waitForQueuesToDrain } from '../sandbox/wait-for-queues.js';
import { countCrossSourceCopies, planSends, type PlannedSend } from './chaos-bodies.js';
import { scheduleFaults, type FaultSchedule } from './chaos-faults.js';
import {
  CHAOS_TOKENS,
  killChaosParts,
  startChaosParts,
  startWorkers,
  stopChaosParts,
  type ChaosParts,
} from './chaos-parts.js';
import { buildPopulation, type ChaosCase } from './chaos-population.js';
import { seededRandom } from './seeded-random.js';
import { sendEvents, type SendReport } from './send-events.js';
import { explainLost, type LostJobs } from './explain-lost.js';
import { tallyTasks, type TaskTally } from './tally-tasks.js';

/** What to send and which faults to inject; defaults are those of `npm run chaos`. */
export interface ChaosOptions {
  /** Requests sent to intake, duplicates included. */
  events: number;
  /** Share of the sends that repeat a change already sent (default 0.15). */
  duplicateShare?: number;
  seed?: number;
  /** Sends per second (default 100): spread out, so the worker kill and the Redis restart meet a busy intake. */
  ratePerSecond?: number;
  /** Share of EPD requests answered 503 by the fault proxy (default 0.2). */
  epd503Rate?: number;
  /** Share of EPD writes (POST) whose answer is lost after the EPD did the write (default 0.02). */
  lostAnswerRate?: number;
  /** Share of the first sends that come from the second intake source, an integration engine (default 0.3). */
  secondSourceShare?: number;
  /**
   * Whether copies of a change also come from the other source (default true): one change, two
   * routes, which must still give one Task per recipient (issue #15, event identity from the
   * resource version rather than from the source).
   */
  crossSourceCopies?: boolean;
  /** How long the strict EPD holds a conditional create open; overlapping ones get 409 (default 15 ms). */
  epdTransactionMs?: number;
  /** Share of decision-aid calls answered after the client's timeout (default 0.1). */
  aidTimeoutRate?: number;
  /** Worker processes (default 2); one of them is killed with SIGKILL and replaced. */
  workers?: number;
  /** Bound of the wait for the queues to drain after the last send (default 30 min). */
  drainTimeoutMs?: number;
  /** Progress lines (default: none). */
  progress?: (line: string) => void;
  /** Aborting kills the worker processes and Redis at once (Ctrl-C), so nothing is left running. */
  signal?: AbortSignal;
}

/** The figures of one chaos run. */
export interface ChaosReport extends TaskTally {
  eventsSent: number;
  uniqueChanges: number;
  duplicatesSent: number;
  /** From the first send until the queues were drained. */
  durationMs: number;
  send: SendReport;
  /** Sends per intake source. */
  sendsBySource: Record<string, number>;
  /** Copies of a change sent by the other source than its first send. */
  crossSourceCopies: number;
  faults: {
    epdRequests: number;
    epd503: number;
    epdLostAnswers: number;
    /** Serialization conflicts (409) the strict EPD answered to overlapping conditional creates. */
    epdConflicts: number;
    aidLateAnswers: number;
    workerKills: number;
    redisRestarts: number;
  };
  failedJobs: { events: number; invitations: number };
  /** Per lost invitation (the first LOST_EXPLAINED), what became of its events and invitation jobs. */
  lostJobs: LostJobs[];
}

/** Lost invitations whose jobs the report looks up: enough to see a pattern, few enough to read. */
const LOST_EXPLAINED = 20;

/** Requests in flight from the sender: an integration engine's usual handful of connections, times a few. */
const SEND_CONCURRENCY = 32;

/**
 * The chaos run: generated patients with one change each are sent to intake in every shape, with
 * duplicates, while the EPD answers 503s and loses answers, the decision-aid platform times out, a
 * worker process is killed and Redis is restarted. Then it waits for the queues to drain and
 * compares the Tasks in the EPD with the invitations the changes must lead to.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const random = seededRandom(options.seed ?? 1);
  const say = options.progress ?? (() => undefined);
  const duplicates = Math.round(options.events * (options.duplicateShare ?? 0.15));
  const cases = buildPopulation(options.events - duplicates, random);
  const rates = {
    epd503Rate: options.epd503Rate ?? 0.2,
    lostAnswerRate: options.lostAnswerRate ?? 0.02,
    aidTimeoutRate: options.aidTimeoutRate ?? 0.1,
  };
  const parts = await startChaosParts(rates, random, options.epdTransactionMs);
  const onAbort = () => killChaosParts(parts);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const stored = await storeCases(parts.stack, cases);
    const sends = planSends(
      stored,
      duplicates,
      random,
      options.secondSourceShare ?? 0.3,
      options.crossSourceCopies ?? true,
    );
    await startWorkers(parts, options.workers ?? 2);
    say(`${cases.length} changes stored, ${sends.length} sends planned; ${parts.workers.length} workers running`);
    const started = Date.now();
    const faults = scheduleFaults(parts, sends.length, say);
    const send = await sendAll(parts, sends, faults, options.ratePerSecond ?? 100);
    say(`all ${send.accepted} sends accepted after ${Date.now() - started} ms; waiting for the queues`);
    await drain(parts, options.drainTimeoutMs ?? 30 * 60_000, say);
    const durationMs = Date.now() - started;
    return {
      ...(await report(parts, cases, faults)),
      eventsSent: sends.length,
      uniqueChanges: cases.length,
      duplicatesSent: duplicates,
      durationMs,
      send,
      sendsBySource: countBy(sends, (s) => s.source),
      crossSourceCopies: countCrossSourceCopies(sends),
    };
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await stopChaosParts(parts);
  }
}

/** Writes the generated patients, guardians and changes straight into the EPD's store. */
async function storeCases(stack: EmbeddedStack, cases: readonly ChaosCase[]): Promise<(Resource & { id: string })[]> {
  const stored: (Resource & { id: string })[] = [];
  for (const c of cases) {
    await stack.fhir.repo.createResource(c.patient);
    for (const guardian of c.guardians) await stack.fhir.repo.createResource(guardian);
    stored.push(await stack.fhir.repo.createResource(c.resource));
  }
  return stored;
}

async function sendAll(
  parts: ChaosParts,
  sends: readonly PlannedSend[],
  faults: FaultSchedule,
  ratePerSecond: number,
): Promise<SendReport> {
  const send = await sendEvents(sends, {
    url: `${parts.stack.service.url}/fhir/notify`,
    tokens: CHAOS_TOKENS,
    ratePerSecond,
    concurrency: SEND_CONCURRENCY,
    onAccepted: (accepted) => faults.onAccepted(accepted),
  });
  await faults.done();
  return send;
}

/** Waits until no job is waiting, active or delayed, then until no EPD request is still on its way. */
async function drain(parts: ChaosParts, timeoutMs: number, say: (line: string) => void): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const { events, invitations } = parts.stack.service.queues;
  const ticker = setInterval(() => {
    void Promise.all([events.getJobCounts(), invitations.getJobCounts()]).then(
      ([e, i]) => say(`events ${JSON.stringify(e)} invitations ${JSON.stringify(i)}`),
      () => undefined,
    );
  }, 10_000);
  try {
    await waitForQueuesToDrain(parts.stack.service.queues, timeoutMs);
    while (parts.proxy.counts.pending > 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100));
  } finally {
    clearInterval(ticker);
  }
}

/** The tally of Tasks against the expectation, and the counts of what went wrong on purpose. */
async function report(parts: ChaosParts, cases: readonly ChaosCase[], faults: FaultSchedule) {
  const { stack, proxy } = parts;
  const aidIds = new Map(
    [...stack.service.mappings.decisionAids.values()].map((aid) => [aid.activityDefinition, aid.id]),
  );
  const expected = new Set(cases.flatMap((c) => c.expected));
  const atPlatform = stack.aid.invitations.map((i) => i.invitationId);
  const tally = await tallyTasks(stack.fhir.repo, expected, aidIds, atPlatform);
  return {
    ...tally,
    faults: {
      epdRequests: proxy.counts.requests,
      epd503: proxy.counts.faults.status ?? 0,
      epdLostAnswers: proxy.counts.faults['drop-after-forward'] ?? 0,
      epdConflicts: stack.fhir.strict?.conflicts() ?? 0,
      aidLateAnswers: stack.aid.lateAnswers,
      workerKills: faults.kills(),
      redisRestarts: faults.restarts(),
    },
    failedJobs: {
      events: await stack.service.queues.events.getFailedCount(),
      invitations: await stack.service.queues.invitations.getFailedCount(),
    },
    lostJobs: await explainLost(stack.service.queues, tally.lostKeys.slice(0, LOST_EXPLAINED)),
  };
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}
