import request from 'supertest';
import { loadNotificationFixture } from '../../test/fixtures/notifications/load-notification-fixture.js';
import { readQueueSettings } from '../config/read-queue-settings.js';
import { createQueues } from '../queue/create-queues.js';
import { whenRedisReady } from '../queue/fail-fast.js';
import { createRedisConnection } from '../queue/redis-connection.js';
import { createLogger } from '../shared/logger.js';
import { enqueueEvents } from '../intake/enqueue-events.js';
import { createApp } from './create-app.js';

const TOKEN = 'hix-token-0123456789';
const NOBODY_LISTENS = 'redis://127.0.0.1:1'; // port 1 on loopback: connection refused at once

/** Intake answers 503 — never 2xx — while Redis is away, using the real fail-fast connection. */
describe('POST /fhir/notify with Redis unavailable', () => {
  const redis = createRedisConnection(NOBODY_LISTENS, 'intake');
  redis.on('error', () => undefined);
  const queues = createQueues(redis, { queuePrefix: 'sdm-test-down', queues: readQueueSettings({}, []) });
  afterAll(async () => {
    await queues.close().catch(() => undefined);
    redis.disconnect();
  });

  it('answers 503 with a transient OperationOutcome, promptly', async () => {
    const app = createApp({
      log: createLogger({ level: 'silent' }),
      notify: {
        epdBase: 'https://epd.example.org/fhir',
        sources: [{ id: 'hix', auth: { type: 'bearer', token: TOKEN } }],
        maxBodyBytes: 1024 * 1024,
        relevantTypes: () => new Set(['MedicationRequest']),
        enqueueEvents: (events) => whenRedisReady(redis, () => enqueueEvents(queues, events)),
      },
    });
    const res = await request(app)
      .post('/fhir/notify')
      .set({ 'content-type': 'application/fhir+json', authorization: `Bearer ${TOKEN}` })
      .send(JSON.stringify(loadNotificationFixture('medication-request')));
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'transient' }],
    });
    expect(res.headers['retry-after']).toBe('5');
  });
});
