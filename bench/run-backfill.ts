import type { EpdEvent } from '../src/intake/epd-event.js';
import { versionEventKey } from '../src/intake/epd-event.js';
import { enqueueEvents } from '../src/intake/enqueue-events.js';
import { changeFor, seedPatients, store } from './bench-population.js';
import type { BenchSettings } from './bench-settings.js';
import { startBenchService, type BenchContext, type BenchEpd, type RoleMemory } from './bench-stack.js';
import { drainedWithin } from './wait-for-work.js';

/** A replay of many events through the queues: how long until all work is done. */
export interface BackfillFigures {
  events: number;
  /** Share of events that are a key moment for a child at the department (the rest: everyday changes). */
  keyMomentShare: number;
  /** Start of the replay to both queues empty; when not `finished`, the wall time projected from the rate. */
  wallSeconds: number;
  /** False when work was still queued at the cap: then `processed` events were done in `capSec`. */
  finished: boolean;
  processed: number;
  eventsPerSec: number;
  /** Time to put all events on the queue (part of the wall time). */
  enqueueSeconds: number;
  tasks: number;
  /** Worker processes that took the replay (each with the default concurrency). */
  workerProcesses: number;
  memory: RoleMemory;
  settings: Record<string, string>;
}

/** Events per `addBulk`, as intake adds one notification's events at a time but a replay adds many. */
const CHUNK = 1_000;
/** One in this many changes of a child is a key moment (the others are the hospital's everyday changes). */
const KEY_MOMENT_EVERY = 4;
/** Share of the patients who are children of the department (with two parents each). */
const CHILD_EVERY = 5; // 2 of every 5

/**
 * The backfill: `events` resource versions already in the EPD (medication agreements, visits,
 * treatment plans over the patient population) are replayed as events: added to the events queue
 * (`enqueueEvents`, as intake does), and the worker process does everything a live event gets:
 * read the resource, patient, parents and encounter from the EPD, evaluate the rules, throttle,
 * and for each invitation the decision aid call and the Task's conditional create. The wall time
 * runs from the first enqueue to both queues being empty.
 */
export async function runBackfill(
  ctx: BenchContext,
  epd: BenchEpd,
  settings: BenchSettings,
  extra: Record<string, string>,
): Promise<BackfillFigures> {
  const { events: count, capSec } = settings.backfill;
  const { events, keyMoments } = await prepareReplay(epd, settings.backfill);
  const tasksBefore = epd.repo.taskCount;
  const { workerProcesses } = settings.backfill;
  const service = await startBenchService(ctx, epd, { phase: 'backfill', roles: ['worker'], extra, workerProcesses });
  try {
    const started = Date.now();
    for (let i = 0; i < events.length; i += CHUNK) await enqueueEvents(service.queues, events.slice(i, i + CHUNK));
    const enqueued = Date.now();
    const finished = await drainedWithin(service.queues, capSec * 1000 - (enqueued - started));
    const seconds = (Date.now() - started) / 1000;
    const processed = finished ? count : await service.queues.events.getCompletedCount();
    return {
      events: count,
      keyMomentShare: Math.round((100 * keyMoments) / count) / 100,
      wallSeconds: Math.round((finished ? seconds : (seconds * count) / Math.max(1, processed)) * 10) / 10,
      finished,
      processed,
      eventsPerSec: Math.round(processed / seconds),
      enqueueSeconds: Math.round((enqueued - started) / 100) / 10,
      tasks: epd.repo.taskCount - tasksBefore,
      workerProcesses,
      memory: await service.peakRss(),
      settings: extra,
    };
  } finally {
    await service.close();
  }
}

/** Writes the population and every change into the EPD (untimed: the EPD already had them) and makes their events. */
async function prepareReplay(
  epd: BenchEpd,
  backfill: BenchSettings['backfill'],
): Promise<{ events: EpdEvent[]; keyMoments: number }> {
  const isChild = (n: number) => n % CHILD_EVERY < 2;
  const ages = await seedPatients(epd.repo, backfill.patients, isChild);
  const events: EpdEvent[] = [];
  const occurredAt = new Date().toISOString();
  let keyMoments = 0;
  for (let i = 0; i < backfill.events; i++) {
    const n = i % backfill.patients;
    // Spread by a hash of i, so that key moments do not fall on one kind of change or one set of children.
    const keyMoment = isChild(n) && (Math.imul(i, 2_654_435_761) >>> 16) % KEY_MOMENT_EVERY === 0;
    if (keyMoment) keyMoments += 1;
    const version = await store(epd.repo, changeFor(i, n, keyMoment), ages[n]!);
    const reference = `${version.resourceType}/${version.id}`;
    const eventKey = versionEventKey('hix', reference, version.versionId);
    events.push({
      eventKey,
      source: 'hix',
      shape: 'poll',
      resourceType: version.resourceType,
      reference,
      versionId: version.versionId,
      interaction: 'create',
      occurredAt,
    });
  }
  return { events, keyMoments };
}
