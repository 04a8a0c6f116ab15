import type { Encounter } from '@medplum/fhirtypes';
import type { PollConfig } from '../config/load-config.js';
import { createFakeEpdClient } from '../epd/fake-epd-client.js';
import { createLogger } from '../shared/logger.js';
import { createFakeCursorStore } from '../polling/fake-cursor-store.js';
import type { EpdEvent } from '../intake/epd-event.js';
import { checkGap } from './gap-check.js';
import { checkHeartbeats, type HeartbeatCheckDeps } from './gap-heartbeat.js';
import type { SubscriptionCheck } from './gap-status-client.js';
import { createFakeGapTracker } from './fake-gap-tracker.js';
import { createFakeIntakeCounters } from '../polling/fake-poll-counters.js';
import { createFakePollLock } from '../polling/fake-poll-lock.js';

const SUB = 'Subscription/gaps';
const START = Date.parse('2024-05-01T10:00:00.000Z');
const settings: PollConfig = {
  intervalMs: 60_000,
  overlapMs: 60_000,
  pageSize: 100,
  maxWindowMs: 3_600_000,
  reconcileIntervalMs: 0,
  reconcileWindowMs: 86_400_000,
  gapGraceMs: 1000,
  heartbeatCheckMs: 60_000,
  heartbeatGraceMs: 5_000,
};
const log = createLogger({ level: 'silent' });

function setup(status: SubscriptionCheck = { status: 'active', via: 'read' }, heartbeatMs: number | null = 10_000) {
  const clock = { ms: START };
  const epd = createFakeEpdClient();
  const queued: EpdEvent[] = [];
  const gapChecks: number[] = [];
  const deps: HeartbeatCheckDeps = {
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
    typesFor: () => ['Encounter'],
    tracker: createFakeGapTracker(),
    scheduleGapCheck: async (_source, _sub, from) => {
      gapChecks.push(from);
    },
    statusClient: { status: async () => status, heartbeatPeriodMs: async () => heartbeatMs ?? undefined },
  };
  const change = async (offsetMs: number) => {
    // withSeeding: a plain create stamps the store's own time over the given lastUpdated.
    const stored = await epd.repo.withSeeding(() =>
      epd.repo.createResource<Encounter>({
        resourceType: 'Encounter',
        status: 'finished',
        class: { code: 'AMB' },
        meta: { lastUpdated: new Date(START + offsetMs).toISOString() },
      }),
    );
    return `Encounter/${stored.id}`;
  };
  const observe = (numbers: number[], atOffsetMs: number) =>
    deps.tracker.observe('hix', SUB, { numbers, atMs: START + atOffsetMs });
  return { clock, deps, queued, gapChecks, change, observe };
}

describe('checkGap', () => {
  it('recovers the missing change by reading the EPD since the last number that arrived', async () => {
    const { clock, deps, queued, change, observe } = setup();
    await observe([1], 0);
    await observe([2], 1_000);
    const third = await change(2_000); // its notification never comes
    await observe([4], 3_000);
    clock.ms += 10_000;
    expect(
      await checkGap(deps, { source: 'hix', reason: 'gap', subscription: SUB, missingFrom: 3 }, log),
    ).toMatchObject({ outcome: 'polled', queued: 1 });
    expect(queued.map((e) => e.reference)).toEqual([third]);
    expect(await deps.tracker.state('hix', SUB)).toMatchObject({ upTo: 4, ahead: [] });
    expect(await deps.counters.read('hix')).toMatchObject({
      gapsDetected: 1,
      gapsRecovered: 1,
      recoveryEventsQueued: 1,
    });
  });

  it('does nothing when the late notification came within the grace period, but checks a later hole', async () => {
    const { deps, queued, gapChecks, observe } = setup();
    for (const n of [1, 2, 4, 6]) await observe([n], n * 1000);
    await observe([3], 7_000);
    expect(
      await checkGap(deps, { source: 'hix', reason: 'gap', subscription: SUB, missingFrom: 3 }, log),
    ).toMatchObject({ outcome: 'skipped' });
    expect(queued).toEqual([]);
    expect(gapChecks).toEqual([5]);
    expect(await deps.counters.read('hix')).toMatchObject({ gapsDetected: 1, gapsClosedLate: 1 });
  });

  it('refuses a gap job without a subscription as permanent', async () => {
    const { deps } = setup();
    await expect(checkGap(deps, { source: 'hix', reason: 'gap' }, log)).rejects.toMatchObject({
      status: 422,
      retry: false,
    });
  });
});

describe('checkHeartbeats', () => {
  it('counts a missed heartbeat, checks the status, and reads the changes since the last sign of life', async () => {
    const { clock, deps, queued, gapChecks, change, observe } = setup({ status: 'error', count: 3, via: '$status' });
    await observe([1], 0);
    const missed = await change(5_000);
    clock.ms += 10_000 + 5_000 + 1; // heartbeat period and grace are over
    expect(await checkHeartbeats(deps, 'hix', log)).toMatchObject({ queued: 1 });
    expect(queued.map((e) => e.reference)).toEqual([missed]);
    expect(gapChecks).toEqual([2]); // $status said 3 events were sent; 1 arrived
    expect(await deps.counters.read('hix')).toMatchObject({ heartbeatsMissed: 1, recoveryEventsQueued: 1 });
    expect(await checkHeartbeats(deps, 'hix', log)).toMatchObject({ queued: 0 }); // dealt with: quiet until the next period
    expect(await deps.counters.read('hix')).toMatchObject({ heartbeatsMissed: 1 });
  });

  it.each([
    ['within the period and grace', 10_000, 15_000, 0],
    ['a subscription without a heartbeat period', null, 60_000, 0],
  ])('does nothing for %s', async (_title, heartbeatMs, silentMs, missed) => {
    const { clock, deps, observe } = setup(undefined, heartbeatMs);
    await observe([1], 0);
    clock.ms += silentMs;
    await checkHeartbeats(deps, 'hix', log);
    expect((await deps.counters.read('hix')).heartbeatsMissed ?? 0).toBe(missed);
  });
});
