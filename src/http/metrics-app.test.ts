import request from 'supertest';
import { createLogger } from '../shared/logger.js';
import {
  countInvitation,
  createMetrics,
  invitationObserver,
  jobObserver,
  resultObserver,
  type DepthSource,
} from '../shared/metrics.js';
import { createApp } from './create-app.js';
import { createMetricsApp } from './metrics-app.js';

const log = createLogger({ level: 'silent' });
const depth = (name: string, counts: Record<string, number>): DepthSource => ({
  name,
  getJobCounts: async () => counts,
});

/** `name{labels} value` lines of a scrape, for exact assertions. */
async function scrape(app: ReturnType<typeof createMetricsApp>): Promise<string[]> {
  const res = await request(app).get('/metrics');
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text.split('\n').filter((line) => line.startsWith('sdm_'));
}

describe('GET /metrics on the operations listener', () => {
  it('shows what was counted, per instance (two services never count into each other)', async () => {
    const metrics = createMetrics({ processMetrics: false });
    const other = createMetrics({ processMetrics: false });
    metrics.eventsReceived.inc({ source: 'hix', shape: 'subscription-notification' }, 3);
    metrics.eventsDuplicate.inc({ source: 'hix', shape: 'subscription-notification' });
    countInvitation(metrics, { keyMoment: 'evaluation', decisionAidId: 'astma-kind' }, 'queued');
    metrics.resultsWritten.inc({ decision_aid: 'astma-kind', outcome: 'written' });
    metrics.pollLag.set({ source: 'hix' }, 42);
    other.eventsReceived.inc({ source: 'hix', shape: 'poll' });
    const lines = await scrape(createMetricsApp({ metrics, log }));
    expect(lines).toEqual(
      expect.arrayContaining([
        'sdm_events_received_total{source="hix",shape="subscription-notification"} 3',
        'sdm_events_duplicate_total{source="hix",shape="subscription-notification"} 1',
        'sdm_invitations_total{key_moment="evaluation",decision_aid="astma-kind",outcome="queued"} 1',
        'sdm_results_written_total{decision_aid="astma-kind",outcome="written"} 1',
        'sdm_poll_lag_seconds{source="hix"} 42',
      ]),
    );
    expect(lines.join('\n')).not.toContain('shape="poll"');
  });

  it('counts job attempts: durations, retries, failures, and invitation outcomes', async () => {
    const metrics = createMetrics({ processMetrics: false });
    const events = jobObserver(metrics, 'events');
    const invitations = invitationObserver(metrics, 'invitations');
    const data = { keyMoment: 'medication-change', decisionAidId: 'astma-kind' };
    events({ data: {}, outcome: 'completed', durationMs: 20 });
    events({ data: {}, outcome: 'retry', durationMs: 5 });
    invitations({ data, outcome: 'completed', durationMs: 30, result: { created: true } });
    invitations({ data, outcome: 'completed', durationMs: 30, result: { created: false } });
    invitations({ data, outcome: 'failed', durationMs: 30 });
    const results = resultObserver(metrics, 'results');
    results({ data: { decisionAidId: 'astma-kind' }, outcome: 'completed', durationMs: 40, result: { created: 3 } });
    results({ data: { decisionAidId: 'astma-kind' }, outcome: 'completed', durationMs: 40, result: { created: 0 } });
    results({ data: { decisionAidId: 'astma-kind' }, outcome: 'retry', durationMs: 40 });
    const lines = await scrape(createMetricsApp({ metrics, log }));
    expect(lines).toEqual(
      expect.arrayContaining([
        'sdm_job_retries_total{queue="events"} 1',
        'sdm_job_failures_total{queue="invitations"} 1',
        'sdm_job_duration_seconds_count{queue="events",outcome="completed"} 1',
        'sdm_job_duration_seconds_bucket{le="0.025",queue="events",outcome="completed"} 1',
        'sdm_invitations_total{key_moment="medication-change",decision_aid="astma-kind",outcome="sent"} 1',
        'sdm_invitations_total{key_moment="medication-change",decision_aid="astma-kind",outcome="already-recorded"} 1',
        'sdm_invitations_total{key_moment="medication-change",decision_aid="astma-kind",outcome="failed"} 1',
        'sdm_results_written_total{decision_aid="astma-kind",outcome="written"} 1',
        'sdm_results_written_total{decision_aid="astma-kind",outcome="already-written"} 1',
        'sdm_job_retries_total{queue="results"} 1',
      ]),
    );
  });

  it('reads queue depths on scrape', async () => {
    const metrics = createMetrics({ processMetrics: false });
    metrics.watchQueues([depth('events', { waiting: 4, failed: 1 }), depth('invitations', { delayed: 7 })]);
    const lines = await scrape(createMetricsApp({ metrics, log }));
    expect(lines).toEqual(
      expect.arrayContaining([
        'sdm_queue_jobs{queue="events",state="waiting"} 4',
        'sdm_queue_jobs{queue="events",state="failed"} 1',
        'sdm_queue_jobs{queue="invitations",state="delayed"} 7',
        'sdm_redis_up 1',
      ]),
    );
  });

  it.each([
    ['refuses', { name: 'events', getJobCounts: () => Promise.reject(new Error('Connection is closed.')) }],
    ['does not answer', { name: 'events', getJobCounts: () => new Promise<Record<string, number>>(() => undefined) }],
  ])(
    'still answers when Redis %s, with sdm_redis_up 0 and no stale depths',
    async (_name, source) => {
      const metrics = createMetrics({ processMetrics: false });
      metrics.watchQueues([source]);
      // A scrape that waited for the silent Redis would never end: the test's own deadline fails it.
      const lines = await scrape(createMetricsApp({ metrics, log }));
      expect(lines).toContain('sdm_redis_up 0');
      expect(lines.filter((l) => l.startsWith('sdm_queue_jobs{'))).toEqual([]);
    },
    10_000,
  );

  it('includes Node process metrics by default', async () => {
    const res = await request(createMetricsApp({ metrics: createMetrics(), log })).get('/metrics');
    expect(res.text).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(res.text).toMatch(/^nodejs_eventloop_lag_seconds /m);
  });

  it('times API requests by route pattern, not by path', async () => {
    const metrics = createMetrics({ processMetrics: false });
    const app = createApp({
      log,
      metrics,
      notify: {
        sources: [],
        epdBase: 'https://epd.example.org/fhir',
        maxBodyBytes: 1024,
        relevantTypes: () => new Set(),
        enqueueEvents: async () => undefined,
      },
    });
    await request(app).get('/healthz');
    await request(app).post('/fhir/notify').send('{}');
    await request(app).get('/no/such/path/123');
    const lines = await scrape(createMetricsApp({ metrics, log }));
    const counts = lines.filter((l) => l.startsWith('sdm_http_request_duration_seconds_count'));
    expect(counts).toEqual(
      expect.arrayContaining([
        'sdm_http_request_duration_seconds_count{method="GET",route="/healthz",status="200"} 1',
        'sdm_http_request_duration_seconds_count{method="POST",route="/fhir/notify",status="401"} 1',
        'sdm_http_request_duration_seconds_count{method="GET",route="(unmatched)",status="404"} 1',
      ]),
    );
  });

  it('is not served on the API port', async () => {
    const app = createApp({
      log,
      metrics: createMetrics({ processMetrics: false }),
      notify: {
        sources: [],
        epdBase: 'https://epd.example.org/fhir',
        maxBodyBytes: 1024,
        relevantTypes: () => new Set(),
        enqueueEvents: async () => undefined,
      },
    });
    expect((await request(app).get('/metrics')).status).toBe(404);
  });
});
