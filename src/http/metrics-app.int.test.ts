import { demoSteps, notificationFor } from '../sandbox/demo-scenario.js';
import { medicationAgreement } from '../sandbox/seed-patients.js';
import { type EmbeddedStack } from '../sandbox/start-stack.js';
import { freshChild, notify, settle, storeInEpd, startTestStack } from '../../test/helpers/embedded.js';

/** jest.config's per-project testTimeout is not applied (jest reads testTimeout globally), so the embedded parts get their time here. */
const SLOW_MS = 30_000;

/** `sdm_name{labels} value` → value, from one scrape. */
async function scrape(stack: EmbeddedStack): Promise<(line: string) => number | undefined> {
  const res = await fetch(`${stack.service.metricsUrl}/metrics`);
  expect(res.status).toBe(200);
  const values = new Map(
    (await res.text())
      .split('\n')
      .filter((l) => l.startsWith('sdm_'))
      .map((l) => [l.slice(0, l.lastIndexOf(' ')), Number(l.slice(l.lastIndexOf(' ') + 1))] as const),
  );
  return (series) => values.get(series);
}

/** The metrics of the whole service, counted by the real intake, workers and queues. */
describe('metrics of a running service', () => {
  let stack: EmbeddedStack;
  beforeAll(async () => {
    // Push only: with polling behind it (mode both, the default) a poll may find the same change and
    // count one duplicate more than the three sends below.
    stack = await startTestStack({ env: { METRICS_PORT: '0', METRICS_HOST: '127.0.0.1', INTAKE_HIX_MODE: 'push' } });
  }, SLOW_MS);
  afterAll(async () => {
    await stack.close();
  }, SLOW_MS);

  it(
    'counts events, duplicates, invitations sent, job durations and queue depths',
    async () => {
      const child = await freshChild(stack, 13);
      const resource = await storeInEpd(stack, medicationAgreement(child.patient, { atc: 'R03BA05' }));
      const body = notificationFor(demoSteps(stack.seed)[0]!, resource, 1);
      for (let i = 0; i < 3; i++) expect((await notify(stack, body)).status).toBe(202);
      await settle(stack);
      const value = await scrape(stack);
      const shape = 'source="hix",shape="subscription-notification"';
      expect(value(`sdm_notifications_total{source="hix",kind="events"}`)).toBe(3);
      expect(value(`sdm_events_received_total{${shape}}`)).toBe(3);
      expect(value(`sdm_events_duplicate_total{${shape}}`)).toBe(2);
      const aid = 'key_moment="medication-change",decision_aid="astma-kind"';
      expect(value(`sdm_invitations_total{${aid},outcome="queued"}`)).toBe(2); // the child and the parent
      expect(value(`sdm_invitations_total{${aid},outcome="sent"}`)).toBe(2);
      expect(value('sdm_job_duration_seconds_count{queue="events",outcome="completed"}')).toBe(1);
      expect(value('sdm_job_duration_seconds_count{queue="invitations",outcome="completed"}')).toBe(2);
      expect(value('sdm_queue_jobs{queue="invitations",state="completed"}')).toBe(2);
      expect(value('sdm_redis_up')).toBe(1);
      expect(value('sdm_http_request_duration_seconds_count{method="POST",route="/fhir/notify",status="202"}')).toBe(3);
    },
    SLOW_MS,
  );

  it(
    'counts a final failure by queue and by decision aid',
    async () => {
      const child = await freshChild(stack, 14);
      const resource = await storeInEpd(stack, medicationAgreement(child.patient, { atc: 'R03AK06' }));
      stack.aid.failNext(400, 2);
      await notify(stack, notificationFor(demoSteps(stack.seed)[0]!, resource, 2));
      await settle(stack);
      const value = await scrape(stack);
      expect(value('sdm_job_failures_total{queue="invitations"}')).toBe(2);
      expect(
        value('sdm_invitations_total{key_moment="medication-change",decision_aid="astma-kind",outcome="failed"}'),
      ).toBe(2);
    },
    SLOW_MS,
  );

  it(
    'answers /readyz on the operations port',
    async () => {
      const res = await fetch(`${stack.service.metricsUrl}/readyz`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { checks: { name: string }[] }).checks.map((c) => c.name)).toEqual([
        'redis',
        'epd',
        'mappings',
      ]);
    },
    SLOW_MS,
  );
});
