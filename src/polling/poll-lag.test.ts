import type { IntakeSource } from '../config/load-config.js';
import { createReadinessCheck } from '../http/readiness.js';
import { createMetrics } from '../shared/metrics.js';
import { createFakeCursorStore } from './fake-cursor-store.js';
import { createPollLag } from './poll-lag.js';

const auth = { type: 'bearer', token: 'a-token-of-enough-length' } as const;
const SOURCES: IntakeSource[] = [
  { id: 'hix', auth, mode: 'both' },
  { id: 'lab', auth, mode: 'poll' },
  { id: 'pusher', auth, mode: 'push' },
];
const MINUTE = 60_000;

function setUp(maxLagIntervals = 5) {
  let nowMs = Date.parse('2026-12-01T10:00:00Z');
  const cursors = createFakeCursorStore();
  const lag = createPollLag({
    cursors,
    sources: SOURCES,
    settings: { intervalMs: MINUTE, maxLagIntervals },
    now: () => new Date(nowMs),
  });
  return { cursors, lag, at: (ms: number) => (nowMs = Date.parse('2026-12-01T10:00:00Z') + ms), start: nowMs };
}

describe('createPollLag', () => {
  it('counts from the moment the last caught-up poll read up to, for polled sources only', async () => {
    const { cursors, lag, at, start } = setUp();
    await cursors.recordSuccess('hix', start);
    await cursors.recordSuccess('lab'); // a poll still catching up: no zero point yet
    at(2 * MINUTE);
    expect(await lag()).toEqual([
      { source: 'hix', lagSeconds: 120, limitSeconds: 300 },
      { source: 'lab', lagSeconds: 0, limitSeconds: 300 }, // first looked at now
    ]);
    at(7 * MINUTE);
    expect((await lag()).map((r) => r.lagSeconds)).toEqual([420, 300]);
  });

  it('never moves the zero point back when a slower poll finishes late', async () => {
    const { cursors, lag, start } = setUp();
    await cursors.recordSuccess('hix', start);
    await cursors.recordSuccess('hix', start - MINUTE);
    expect((await lag())[0]?.lagSeconds).toBe(0);
  });

  it('feeds sdm_poll_lag_seconds on every scrape', async () => {
    const { cursors, lag, at, start } = setUp();
    await cursors.recordSuccess('hix', start);
    at(90_000);
    const metrics = createMetrics({ processMetrics: false });
    metrics.watchPollLag(lag);
    const scrape = await metrics.registry.metrics();
    expect(scrape).toContain('sdm_poll_lag_seconds{source="hix"} 90');
    expect(scrape).toContain('sdm_poll_lag_seconds{source="lab"} 0');
    expect(scrape).not.toContain('source="pusher"');
  });

  it('makes /readyz fail once a source is more intervals behind than POLL_MAX_LAG_INTERVALS allows', async () => {
    const { cursors, lag, at, start } = setUp(5);
    await cursors.recordSuccess('hix', start);
    await cursors.recordSuccess('lab', start);
    const readiness = createReadinessCheck({
      redis: { status: 'ready', ping: async () => 'PONG' },
      epd: { get: async () => ({ status: 200 }) as never },
      getMappings: () => ({ files: ['a.yaml'], triggers: [{}] }),
      pollLag: lag,
    });
    at(5 * MINUTE);
    expect(await readiness()).toMatchObject({
      ready: true,
      checks: expect.arrayContaining([{ name: 'polling', ok: true, detail: 'hix 300 s behind, lab 300 s behind' }]),
    });
    await cursors.recordSuccess('lab', start + 4 * MINUTE);
    at(5 * MINUTE + 1_000);
    expect(await readiness()).toMatchObject({
      ready: false,
      checks: expect.arrayContaining([
        { name: 'polling', ok: false, detail: 'hix 301 s behind, more than 300 s (POLL_MAX_LAG_INTERVALS)' },
      ]),
    });
  });

  it('sets no limit with POLL_MAX_LAG_INTERVALS=0', async () => {
    const { lag, at } = setUp(0);
    await lag();
    at(24 * 60 * MINUTE);
    expect((await lag())[0]).toEqual({ source: 'hix', lagSeconds: 86_400 });
  });
});
