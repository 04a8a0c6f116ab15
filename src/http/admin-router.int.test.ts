import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import request from 'supertest';
import { createLogger } from '../shared/logger.js';
import { createApp } from './create-app.js';
import { adminRouter } from './admin-router.js';
import { connectTestRedis } from '../../test/helpers/redis.js';

/** jest.config's per-project testTimeout is not applied (jest reads testTimeout globally), so the embedded parts get their time here. */
const SLOW_MS = 30_000;

const TOKEN = 'admin-token-0123456789';
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** The queue dashboard on real Redis: served only with the admin token, and it shows our queues. */
describe('queue dashboard at /admin/queues', () => {
  const redis = connectTestRedis();
  const queue = new Queue('events', { connection: redis, prefix: `sdm-test-admin-${randomUUID().slice(0, 8)}` });
  const app = createApp({
    log: createLogger({ level: 'silent' }),
    admin: { token: TOKEN, queues: [queue] },
    notify: {
      sources: [],
      epdBase: 'https://epd.example.org/fhir',
      maxBodyBytes: 1024,
      relevantTypes: () => new Set(),
      enqueueEvents: async () => undefined,
    },
  });
  beforeAll(async () => {
    await queue.add('Encounter', { reference: 'Encounter/1' } as never, { jobId: 'evt-dashboard-test' });
  }, SLOW_MS);
  afterAll(async () => {
    await queue.obliterate({ force: true });
    await queue.close();
    redis.disconnect();
  }, SLOW_MS);

  it.each([
    ['no credentials', undefined],
    ['a wrong bearer token', 'Bearer admin-token-wrong-0000'],
    ['a wrong password', basic('admin', 'nope')],
    ['the token as user name', basic(TOKEN, '')],
  ])(
    'refuses %s with 401, a Basic challenge and an OperationOutcome',
    async (_name, authorization) => {
      const req = request(app).get('/admin/queues');
      const res = await (authorization ? req.set('authorization', authorization) : req);
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Basic realm=/);
      expect(res.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'login' }] });
    },
    SLOW_MS,
  );

  it.each([
    ['the bearer token', `Bearer ${TOKEN}`],
    ['Basic auth with the token as password', basic('anyone', TOKEN)],
  ])(
    'serves the dashboard page with %s',
    async (_name, authorization) => {
      const res = await request(app).get('/admin/queues').set('authorization', authorization);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/text\/html/);
      expect(res.text).toContain('sdm-bridge');
    },
    SLOW_MS,
  );

  it(
    'lists the queue and its waiting job through the dashboard API',
    async () => {
      const res = await request(app)
        .get('/admin/queues/api/queues?activeQueue=events&status=waiting&page=1')
        .set('authorization', `Bearer ${TOKEN}`);
      expect(res.status).toBe(200);
      const events = res.body.queues.find((q: { name: string }) => q.name === 'events');
      expect(events.counts.waiting).toBe(1);
      expect(events.jobs.map((j: { id: string }) => j.id)).toEqual(['evt-dashboard-test']);
    },
    SLOW_MS,
  );

  it(
    'refuses to be built without a token of safe length',
    () => {
      expect(() => adminRouter({ token: '', queues: [queue] })).toThrow(/ADMIN_TOKEN/);
      expect(() => adminRouter({ token: 'short', queues: [queue] })).toThrow(/at least 16/);
    },
    SLOW_MS,
  );
});
