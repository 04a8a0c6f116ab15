import { createMetrics } from './metrics.js';
import { zeroCounters } from './zero-counters.js';

describe('zeroCounters', () => {
  it('exports every counter series of the installation at 0 before anything happened', async () => {
    const metrics = createMetrics({ processMetrics: false });
    zeroCounters(metrics, {
      sources: ['hix'],
      queues: ['events', 'invitations'],
      aids: [{ id: 'astma-kind', keyMoments: ['medication-change'], results: true }],
    });
    const lines = (await metrics.registry.metrics()).split('\n').filter((line) => line.startsWith('sdm_'));
    expect(lines).toEqual(
      expect.arrayContaining([
        'sdm_job_failures_total{queue="events"} 0',
        'sdm_job_failures_total{queue="invitations"} 0',
        'sdm_job_retries_total{queue="events"} 0',
        'sdm_events_received_total{source="hix",shape="poll"} 0',
        'sdm_events_duplicate_total{source="hix",shape="subscription-notification"} 0',
        'sdm_notifications_total{source="hix",kind="heartbeat"} 0',
        'sdm_invitations_total{key_moment="medication-change",decision_aid="astma-kind",outcome="failed"} 0',
        'sdm_results_written_total{decision_aid="astma-kind",outcome="failed"} 0',
      ]),
    );
    const counterLines = lines.filter((line) => /_total\{/.test(line));
    expect(counterLines).toHaveLength(2 * 2 + 5 * 2 + 4 + 5 + 3);
    expect(counterLines.every((line) => line.endsWith(' 0'))).toBe(true);
  });
});
