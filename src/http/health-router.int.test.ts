import { connectEpd } from '../epd/connect-epd.js';
import request from 'supertest';
import { createRedisConnection } from '../queue/redis-connection.js';
import { startFhirSandbox, type FhirSandbox } from '../sandbox/fhir-server.js';
import { createLogger } from '../shared/logger.js';
import { createApp } from './create-app.js';
import { createReadinessCheck } from './readiness.js';
import { TEST_REDIS_URL } from '../../test/helpers/redis.js';

/** jest.config's per-project testTimeout is not applied (jest reads testTimeout globally), so the embedded parts get their time here. */
const SLOW_MS = 30_000;

const LIVE_REDIS = TEST_REDIS_URL;
const NOBODY_LISTENS = 'redis://127.0.0.1:1'; // port 1 on loopback: connection refused at once

/** Readiness on the real parts: the in-process FHIR server, and Redis up or away. */
describe('GET /readyz on real Redis and the FHIR sandbox', () => {
  let fhir: FhirSandbox;
  const connections = [createRedisConnection(LIVE_REDIS, 'intake'), createRedisConnection(NOBODY_LISTENS, 'intake')];
  for (const redis of connections) redis.on('error', () => undefined);
  beforeAll(async () => {
    fhir = await startFhirSandbox();
    await new Promise<void>((resolve) =>
      connections[0]!.status === 'ready' ? resolve() : connections[0]!.once('ready', () => resolve()),
    );
  }, SLOW_MS);
  afterAll(async () => {
    for (const redis of connections) redis.disconnect();
    await fhir.close();
  }, SLOW_MS);

  const appOn = (redisIndex: number) =>
    createApp({
      log: createLogger({ level: 'silent' }),
      readiness: createReadinessCheck({
        redis: connections[redisIndex]!,
        epd: { get: connectEpd({ baseUrl: fhir.baseUrl, auth: { type: 'none' }, timeoutMs: 2_000 }).get },
        getMappings: () => ({ files: ['paediatric-asthma.yaml'], triggers: [{}] }),
      }),
      notify: {
        sources: [],
        epdBase: 'https://epd.example.org/fhir',
        maxBodyBytes: 1024,
        relevantTypes: () => new Set(),
        enqueueEvents: async () => undefined,
      },
    });

  it(
    'is ready when Redis and the EPD answer',
    async () => {
      const res = await request(appOn(0)).get('/readyz');
      expect(res.status).toBe(200);
      expect(res.body.checks.every((c: { ok: boolean }) => c.ok)).toBe(true);
    },
    SLOW_MS,
  );

  it(
    'answers 503 naming Redis, promptly, while Redis is away; /healthz stays 200',
    async () => {
      const app = appOn(1);
      const res = await request(app).get('/readyz');
      expect(res.status).toBe(503);
      expect(res.body.resourceType).toBe('OperationOutcome');
      expect(res.body.issue).toEqual([expect.objectContaining({ code: 'transient', expression: ['redis'] })]);
      // Promptly: from the connection's state, not after a PING that runs into its timeout (that says "timed out").
      expect(res.body.issue[0].details.text).toMatch(/^redis: no connection to Redis/);
      expect((await request(app).get('/healthz')).status).toBe(200);
    },
    SLOW_MS,
  );
});
