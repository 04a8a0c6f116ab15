import request from 'supertest';
import { createLogger } from '../shared/logger.js';
import { createApp } from './create-app.js';
import type { ReadinessReport } from './readiness.js';

function appWith(report?: ReadinessReport) {
  return createApp({
    log: createLogger({ level: 'silent' }),
    ...(report ? { readiness: async () => report } : {}),
    notify: {
      sources: [],
      epdBase: 'https://epd.example.org/fhir',
      maxBodyBytes: 1024,
      relevantTypes: () => new Set(),
      enqueueEvents: async () => undefined,
    },
  });
}

const READY: ReadinessReport = {
  ready: true,
  checks: [
    { name: 'redis', ok: true, detail: 'answers PING' },
    { name: 'epd', ok: true, detail: 'GET /metadata answered HTTP 200' },
    { name: 'mappings', ok: true, detail: '2 file(s), 8 trigger(s)' },
  ],
};

describe('GET /healthz and /readyz', () => {
  it('answers /healthz while the process runs, whatever its dependencies do', async () => {
    const res = await request(appWith({ ready: false, checks: [{ name: 'redis', ok: false, detail: 'down' }] })).get(
      '/healthz',
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('answers /readyz with every check when ready', async () => {
    const res = await request(appWith(READY)).get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ready', checks: READY.checks });
  });

  it.each([
    ['redis', 'no connection to Redis (reconnecting)'],
    ['epd', 'GET /metadata failed: ECONNREFUSED'],
    ['mappings', 'no mapping file with triggers is loaded'],
  ] as const)('answers 503 naming the failed %s check', async (name, detail) => {
    const checks = READY.checks.map((c) => (c.name === name ? { ...c, ok: false, detail } : c));
    const res = await request(appWith({ ready: false, checks })).get('/readyz');
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.headers['content-type']).toMatch(/application\/fhir\+json/);
    expect(res.body).toMatchObject({ resourceType: 'OperationOutcome' });
    expect(res.body.issue).toEqual([
      { severity: 'error', code: 'transient', details: { text: `${name}: ${detail}` }, expression: [name] },
    ]);
  });

  it('serves the OpenAPI document', async () => {
    const res = await request(appWith()).get('/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toMatch(/^3\./);
    expect(Object.keys(res.body.paths)).toEqual(expect.arrayContaining(['/healthz', '/readyz', '/fhir/notify']));
  });
});
