import { Queue } from 'bullmq';
import express, { Router } from 'express';
import { Redis } from 'ioredis';
import type { PublicJwk } from '../epd/smart-backend-auth.js';
import type { KpiService } from '../kpi/kpi-service.js';
import type { CompiledMappings } from '../rules/compile-mappings.js';
import { createLogger } from '../shared/logger.js';
import { createMetrics } from '../shared/metrics.js';
import { createApp } from './create-app.js';
import { createMetricsApp } from './metrics-app.js';
import { openApiDocument } from './openapi-document.js';
import { documentedRoutes, routeLines, servedRoutes } from './openapi-routes.js';

/**
 * Every route the apps can serve, with every optional surface switched on, against the OpenAPI
 * document: a route added to create-app.ts without its description fails here. (The wiring of
 * startService is compared the same way in openapi-routes.int.test.ts.)
 */
describe('the OpenAPI document covers every route createApp can mount', () => {
  const log = createLogger({ level: 'silent' });
  // A queue that never connects (nothing listens on port 1): the dashboard only needs its name here.
  const offline = new Redis('redis://127.0.0.1:1', {
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
  });
  offline.on('error', () => undefined);
  const queue = new Queue('events', { connection: offline });
  queue.on('error', () => undefined);
  afterAll(async () => {
    await queue.close().catch(() => undefined);
    offline.disconnect();
  });
  const jwk = {
    kty: 'EC',
    kid: 'k1',
    alg: 'ES384',
    use: 'sig',
    key_ops: ['verify'],
    crv: 'P-384',
    x: 'x',
    y: 'y',
  } as unknown as PublicJwk;
  const everything = createApp({
    log,
    metrics: createMetrics({ processMetrics: false }),
    readiness: async () => ({ ready: true, checks: [] }),
    admin: { token: 'admin-token-0123456789', queues: [queue] },
    kpi: { token: 'admin-token-0123456789', kpi: {} as KpiService }, // only its routes are listed here
    jwks: { keys: [jwk] },
    replay: { seen: { claim: async () => true, release: async () => undefined }, windowSeconds: 300 },
    notify: {
      sources: [],
      epdBase: 'https://epd.example.org/fhir',
      maxBodyBytes: 1024,
      relevantTypes: () => new Set(),
      enqueueEvents: async () => undefined,
    },
    results: {
      getMappings: () => ({}) as CompiledMappings,
      maxBodyBytes: 1024,
      acceptResult: async () => Promise.reject(new Error('not used')),
      enqueueResult: async () => undefined,
    },
  });

  it('on the API port', () => {
    expect(routeLines(servedRoutes(everything))).toEqual(routeLines(documentedRoutes(openApiDocument(), 'api')));
  });

  it('on the operations port', () => {
    const ops = createMetricsApp({ metrics: createMetrics({ processMetrics: false }), log });
    expect(routeLines(servedRoutes(ops))).toEqual(routeLines(documentedRoutes(openApiDocument(), 'metrics')));
  });
});

describe('servedRoutes', () => {
  it('finds routes on the app, in mounted routers (with their mount path), parameters, and mounted apps', () => {
    const app = express();
    app.get('/a', (_req, res) => void res.end());
    const inner = Router();
    inner.post('/decision-aids/:aidId/results', (_req, res) => void res.end());
    inner
      .route('/b')
      .get((_req, res) => void res.end())
      .delete((_req, res) => void res.end());
    app.use(inner);
    const nested = Router();
    nested.put('/items/:id', (_req, res) => void res.end());
    app.use('/kpi', nested);
    const dashboard = express();
    dashboard.get('/x', (_req, res) => void res.end());
    const admin = Router();
    admin.use('/admin/queues', (_req, _res, next) => next(), dashboard);
    app.use(admin);
    app.use((_req, _res, next) => next()); // plain middleware is not a route
    expect(routeLines(servedRoutes(app))).toEqual([
      '* /admin/queues',
      'DELETE /b',
      'GET /a',
      'GET /b',
      'POST /decision-aids/{aidId}/results',
      'PUT /kpi/items/{id}',
    ]);
  });
});

describe('documentedRoutes', () => {
  it('splits the document by listener', () => {
    const document = openApiDocument();
    expect(routeLines(documentedRoutes(document, 'metrics'))).toEqual(['GET /healthz', 'GET /metrics', 'GET /readyz']);
    expect(routeLines(documentedRoutes(document, 'api'))).toEqual(
      expect.arrayContaining(['* /admin/queues', 'POST /fhir/notify']),
    );
  });

  it('documents every operation with a summary, its security and its answers', () => {
    const paths = openApiDocument().paths as Record<
      string,
      Record<string, { summary?: string; security?: unknown; responses?: object }>
    >;
    for (const [path, item] of Object.entries(paths)) {
      for (const method of ['get', 'post', 'put', 'delete', 'patch'].filter((m) => item[m])) {
        const operation = item[method]!;
        expect([path, method, typeof operation.summary]).toEqual([path, method, 'string']);
        expect([path, method, Array.isArray(operation.security)]).toEqual([path, method, true]);
        expect(Object.keys(operation.responses ?? {}).length).toBeGreaterThan(0);
      }
    }
  });

  it('names only security schemes and components that exist', () => {
    const document = openApiDocument();
    const components = document.components as { securitySchemes: object; responses: object; schemas: object };
    const text = JSON.stringify(document.paths);
    for (const [, kind, name] of text.matchAll(/"#\/components\/(\w+)\/(\w+)"/g)) {
      expect(Object.keys((components as Record<string, object>)[kind!]!)).toContain(name);
    }
    const schemes = [...text.matchAll(/\{"(\w+)":\[\]\}/g)].map((m) => m[1]);
    for (const scheme of schemes) expect(Object.keys(components.securitySchemes)).toContain(scheme);
  });
});
