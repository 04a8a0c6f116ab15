import type { MedicationRequest } from '@medplum/fhirtypes';
import { createFakeEpdClient } from '../epd/fake-epd-client.js';
import { EpdError } from '../epd/epd-error.js';
import type { PollConfig } from '../config/load-config.js';
import type { PollJobData } from '../queue/job-types.js';
import { createLogger } from '../shared/logger.js';
import { createFakeCursorStore } from './fake-cursor-store.js';
import type { EpdEvent } from '../intake/epd-event.js';
import { createFakeIntakeCounters } from './fake-poll-counters.js';
import { createFakePollLock } from './fake-poll-lock.js';
import { pollSource, type PollSourceDeps } from './poll-source.js';
import { reconcileSource } from './reconcile-sweep.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const START = Date.parse('2024-05-01T10:00:00.000Z');
const settings: PollConfig = {
  intervalMs: MIN,
  overlapMs: 5 * MIN,
  pageSize: 100,
  maxWindowMs: HOUR,
  reconcileIntervalMs: HOUR,
  reconcileWindowMs: 24 * HOUR,
  gapGraceMs: 1000,
  heartbeatCheckMs: MIN,
  heartbeatGraceMs: MIN,
};
const log = createLogger({ level: 'silent' });
const schedule: PollJobData = { source: 'hix', reason: 'schedule' };

function setup() {
  const clock = { ms: START };
  const epd = createFakeEpdClient();
  const queued: EpdEvent[] = [];
  const deps: PollSourceDeps = {
    epd,
    cursors: createFakeCursorStore(),
    enqueueEvents: async (events) => {
      queued.push(...events);
    },
    pageSize: 100,
    epdBase: 'https://epd.example.org/fhir',
    now: () => new Date(clock.ms),
    lock: createFakePollLock(),
    counters: createFakeIntakeCounters(),
    settings,
    typesFor: () => ['MedicationRequest'],
    sleep: async () => undefined,
  };
  /** A change stamped `offsetMs` from the start (the EPD's clock). */
  const change = async (offsetMs: number) => {
    // withSeeding: a plain create stamps the store's own time over the given lastUpdated.
    const stored = await epd.repo.withSeeding(() =>
      epd.repo.createResource<MedicationRequest>({
        resourceType: 'MedicationRequest',
        status: 'active',
        intent: 'order',
        subject: { reference: 'Patient/p1' },
        meta: { lastUpdated: new Date(START + offsetMs).toISOString() },
      }),
    );
    return `MedicationRequest/${stored.id}`;
  };
  const refs = () => queued.map((e) => e.reference);
  return { clock, epd, deps, queued, change, refs };
}

describe('pollSource', () => {
  it('starts at now on the first poll, then queues each change once', async () => {
    const { clock, deps, change, refs } = setup();
    await change(-2 * HOUR); // before the first poll: the sweep's to find
    const recent = await change(-MIN); // inside the overlap of the first poll
    expect(await pollSource(deps, schedule, log)).toMatchObject({
      outcome: 'polled',
      queued: 1,
      cursor: new Date(START).toISOString(),
    });
    expect(refs()).toEqual([recent]);
    const next = await change(10_000);
    clock.ms += MIN;
    expect(await pollSource(deps, schedule, log)).toMatchObject({
      queued: 1,
      found: 2,
      cursor: new Date(START + 10_000).toISOString(),
    });
    expect(refs()).toEqual([recent, next]);
    clock.ms += MIN;
    expect(await pollSource(deps, schedule, log)).toMatchObject({ queued: 0 });
  });

  it('gives the events of each read a request id of their own, as intake does per notification', async () => {
    const { clock, deps, change, queued } = setup();
    await change(-MIN);
    await pollSource(deps, schedule, log);
    await change(10_000);
    clock.ms += MIN;
    await pollSource(deps, schedule, log);
    const [first, second] = queued.map((e) => e.requestId);
    expect(first).toMatch(/^[0-9a-f-]{36}$/);
    expect(second).toMatch(/^[0-9a-f-]{36}$/);
    expect(second).not.toBe(first);
  });

  it('does not lose a resource stamped with the same instant as the cursor', async () => {
    const { clock, deps, change, refs } = setup();
    const first = await change(10_000);
    clock.ms += MIN;
    await pollSource(deps, schedule, log);
    const twin = await change(10_000); // same millisecond, committed after the poll read
    clock.ms += MIN;
    await pollSource(deps, schedule, log);
    expect(refs()).toEqual([first, twin]);
  });

  it('leaves the cursor in place when the EPD fails, backs off, and catches up afterwards', async () => {
    const { clock, epd, deps, change, refs } = setup();
    await pollSource(deps, schedule, log);
    const missed = await change(20_000);
    epd.failNext(
      1,
      new EpdError('EPD GET MedicationRequest?… failed with HTTP 503: maintenance', {
        status: 503,
        retry: true,
        code: 'transient',
      }),
    );
    clock.ms += MIN;
    await expect(pollSource(deps, schedule, log)).rejects.toThrow(/503: maintenance/);
    expect(await deps.cursors.cursor('hix')).toBe(START);
    expect(await deps.counters.read('hix')).toMatchObject({ pollFailures: 1 });
    clock.ms += 10_000;
    expect(await pollSource(deps, schedule, log)).toMatchObject({
      outcome: 'skipped',
      why: 'backing off after failures',
    });
    await expect(pollSource(deps, { ...schedule, reason: 'ping' }, log)).rejects.toMatchObject({
      retry: true,
      retryAfterMs: 50_000,
    });
    clock.ms += MIN;
    expect(await pollSource(deps, schedule, log)).toMatchObject({ outcome: 'polled', queued: 1 });
    expect(refs()).toEqual([missed]);
  });

  it('skips a ping that a poll started after it already covers', async () => {
    const { clock, deps } = setup();
    const requestedAt = new Date(START - 1).toISOString();
    await pollSource(deps, schedule, log);
    clock.ms += 1000;
    expect(await pollSource(deps, { source: 'hix', reason: 'ping', requestedAt }, log)).toMatchObject({
      outcome: 'skipped',
      why: 'covered by a later poll',
    });
    expect(
      await pollSource(deps, { source: 'hix', reason: 'ping', requestedAt: new Date(clock.ms).toISOString() }, log),
    ).toMatchObject({ outcome: 'polled' });
  });

  it('skips a scheduled poll while another one holds the lock, and makes a requested one retry', async () => {
    const { deps } = setup();
    await deps.lock.acquire('poll:hix', MIN);
    expect(await pollSource(deps, schedule, log)).toMatchObject({
      outcome: 'skipped',
      why: 'another poll of this source is running',
    });
    await expect(
      pollSource(deps, { source: 'hix', reason: 'ping', requestedAt: new Date(START).toISOString() }, log),
    ).rejects.toMatchObject({ status: 503, retry: true });
  });

  it('catches up after an outage in closed slices, finding what changed in between', async () => {
    const { clock, deps, change, refs } = setup();
    await pollSource(deps, schedule, log);
    const during = await change(5 * HOUR + 7 * MIN);
    clock.ms += 30 * HOUR;
    const result = await pollSource(deps, schedule, log);
    expect(refs()).toEqual([during]);
    // 24 slices of (window - overlap) each: still behind, the next tick goes on
    expect(result.cursor).toBe(new Date(START + 24 * (HOUR - 5 * MIN)).toISOString());
    await pollSource(deps, schedule, log);
    await pollSource(deps, schedule, log);
    expect(await deps.cursors.cursor('hix')).toBeGreaterThan(START + 29 * HOUR);
  });
});

describe('reconcileSource', () => {
  it('queues what polls never saw within the window, once, and leaves the cursor alone', async () => {
    const { clock, deps, change, refs } = setup();
    await pollSource(deps, schedule, log);
    const old = await change(-3 * HOUR); // a late commit far behind the cursor
    const tooOld = await change(-30 * HOUR);
    clock.ms += MIN;
    expect(await reconcileSource(deps, 'hix', log)).toMatchObject({ outcome: 'polled', queued: 1 });
    expect(await reconcileSource(deps, 'hix', log)).toMatchObject({ queued: 0 });
    expect(refs()).toEqual([old]);
    expect(refs()).not.toContain(tooOld);
    expect(await deps.cursors.cursor('hix')).toBe(START);
  });
});
