import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import request from 'supertest';
import { createApp } from '../../src/http/create-app.js';
import { createLogger } from '../../src/shared/logger.js';
import { connectTestRedis } from '../helpers/redis.js';

/**
 * Finding (medium): the dashboard was read-write for anyone with the admin token — a forged
 * results job was added there — and a cross-site `text/plain` POST with cached Basic credentials
 * ran a job. Now it is read-only by default; actions, when switched on, need a bearer token and
 * no foreign Origin.
 */
const SLOW_MS = 30_000;
const TOKEN = 'admin-token-0123456789';
const basic = `Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}`;
const bearer = `Bearer ${TOKEN}`;
const FORGED = { name: 'result', data: JSON.stringify({ task: 'Task/of-another-patient' }), options: '{}' };

describe('queue dashboard: it cannot hurt', () => {
  const redis = connectTestRedis();
  const queue = new Queue('results', { connection: redis, prefix: `sdm-test-dash-${randomUUID().slice(0, 8)}` });
  const appWith = (allowActions?: boolean) =>
    createApp({
      log: createLogger({ level: 'silent' }),
      admin: { token: TOKEN, queues: [queue], ...(allowActions === undefined ? {} : { allowActions }) },
      notify: {
        sources: [],
        epdBase: 'https://epd.example.org/fhir',
        maxBodyBytes: 1024,
        relevantTypes: () => new Set(),
        enqueueEvents: async () => undefined,
      },
    });
  const waiting = () => queue.getJobCounts('waiting').then((c) => c.waiting);

  afterAll(async () => {
    await queue.obliterate({ force: true });
    await queue.close();
    redis.disconnect();
  }, SLOW_MS);

  it(
    'is read-only by default: reading works, adding a forged job and pausing are refused (405)',
    async () => {
      const app = appWith();
      expect((await request(app).get('/admin/queues/api/queues').set('authorization', bearer)).status).toBe(200);
      const add = await request(app)
        .post('/admin/queues/api/queues/results/add')
        .set('authorization', bearer)
        .send(FORGED);
      expect(add.status).toBe(405);
      expect(add.body).toMatchObject({ resourceType: 'OperationOutcome' });
      expect(
        (await request(app).put('/admin/queues/api/queues/results/pause').set('authorization', bearer)).status,
      ).toBe(405);
      expect(await waiting()).toBe(0);
      expect(await queue.isPaused()).toBe(false);
    },
    SLOW_MS,
  );

  it(
    'refuses a cross-site text/plain POST riding on cached Basic credentials, even with actions on',
    async () => {
      for (const app of [appWith(false), appWith(true)]) {
        const res = await request(app)
          .post('/admin/queues/api/queues/results/add')
          .set('authorization', basic)
          .set('origin', 'https://evil.example')
          .set('content-type', 'text/plain')
          .send(JSON.stringify(FORGED));
        expect([401, 405]).toContain(res.status);
      }
      expect(await waiting()).toBe(0);
    },
    SLOW_MS,
  );

  it.each([
    ['Basic credentials', { authorization: basic }, 401],
    ['a cookie only', { cookie: `token=${TOKEN}` }, 401],
    ['a bearer token from another Origin', { authorization: bearer, origin: 'https://evil.example' }, 403],
    ['a bearer token from a cross-site fetch', { authorization: bearer, 'sec-fetch-site': 'cross-site' }, 403],
  ])(
    'with actions on, refuses a change with %s',
    async (_name, headers, status) => {
      const res = await request(appWith(true)).put('/admin/queues/api/queues/results/pause').set(headers);
      expect(res.status).toBe(status);
      expect(await queue.isPaused()).toBe(false);
    },
    SLOW_MS,
  );

  it(
    'with actions on, a bearer token without a foreign Origin may pause and resume',
    async () => {
      const app = appWith(true);
      expect(
        (await request(app).put('/admin/queues/api/queues/results/pause').set('authorization', bearer)).status,
      ).toBe(200);
      expect(await queue.isPaused()).toBe(true);
      const resume = await request(app)
        .put('/admin/queues/api/queues/results/resume')
        .set('authorization', bearer)
        .set('origin', 'http://127.0.0.1');
      expect(resume.status).toBe(403); // supertest's host has a port: this Origin is another one
      await request(app).put('/admin/queues/api/queues/results/resume').set('authorization', bearer);
      expect(await queue.isPaused()).toBe(false);
    },
    SLOW_MS,
  );
});
