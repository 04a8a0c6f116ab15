import express from 'express';
import request from 'supertest';
import { EpdError } from '../epd/epd-error.js';
import { computeKpis } from '../kpi/compute-kpis.js';
import type { KpiService, MonthRange } from '../kpi/kpi-service.js';
import { DEFAULT_KPI_SETTINGS } from '../kpi/kpi-settings.js';
import { createLogger } from '../shared/logger.js';
import { errorHandler, notFound } from './error-handler.js';
import { kpiRouter } from './kpi-router.js';

const TOKEN = 'admin-token-0123456789';

function appWith(summary: (range: MonthRange) => Promise<ReturnType<typeof computeKpis>>) {
  const asked: MonthRange[] = [];
  const kpi = {
    settings: DEFAULT_KPI_SETTINGS,
    summary: (range: MonthRange) => {
      asked.push(range);
      return summary(range);
    },
    defaultRange: () => ({ from: '2025-12', to: '2026-11' }),
  } as unknown as KpiService;
  const app = express();
  app.use(kpiRouter({ token: TOKEN, kpi }));
  app.use(notFound);
  app.use(errorHandler(createLogger({ level: 'silent' })));
  return { app, asked };
}
const empty = async (range: MonthRange) =>
  computeKpis([], { ...range, generatedAt: '2026-11-20T10:00:00Z' }, DEFAULT_KPI_SETTINGS);

describe('GET /kpi and /kpi/report', () => {
  it.each(['/kpi', '/kpi/report'])('%s needs the admin token (401 with a Basic challenge)', async (path) => {
    const { app } = appWith(empty);
    const res = await request(app).get(path);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Basic/);
    expect((await request(app).get(path).set('authorization', 'Bearer wrong-token-0123456789')).status).toBe(401);
  });

  it.each([
    ['', { from: '2025-12', to: '2026-11' }],
    ['?period=2026-10', { from: '2026-10', to: '2026-10' }],
    ['?from=2026-01&to=2026-06', { from: '2026-01', to: '2026-06' }],
    ['?from=2026-03', { from: '2026-03', to: '2026-03' }],
  ])('answers JSON for %p with the range %p', async (query, range) => {
    const { app, asked } = appWith(empty);
    const res = await request(app).get(`/kpi${query}`).set('authorization', `Bearer ${TOKEN}`);
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('private, no-store');
    expect(asked).toEqual([range]);
    expect(res.body).toMatchObject({ ...range, settings: { sdmThreshold: 80, targetPercent: 75, minRespondents: 5 } });
  });

  it('serves the page as HTML, also with Basic auth as a browser sends it', async () => {
    const { app } = appWith(empty);
    const res = await request(app).get('/kpi/report?period=2026-10').auth('anyone', TOKEN);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.text).toContain('<html lang="nl">');
  });

  it.each([
    ['?period=2026-13', 'period'],
    ['?from=2026-06&to=2026-01', 'from'],
    ['?from=2020-01&to=2026-01', 'to'],
  ])('refuses %p with 400 naming %p', async (query, expression) => {
    const { app } = appWith(empty);
    const res = await request(app).get(`/kpi${query}`).set('authorization', `Bearer ${TOKEN}`);
    expect(res.status).toBe(400);
    expect(res.body.issue[0].expression).toEqual([expression]);
  });

  it.each([
    [new EpdError('EPD GET Task failed: no answer', { status: 0, retry: true }), 503],
    [new EpdError('EPD GET Task failed with HTTP 400', { status: 400, retry: false }), 500],
  ])('answers %p from the EPD with %p', async (error, status) => {
    const { app } = appWith(() => Promise.reject(error));
    const res = await request(app).get('/kpi').set('authorization', `Bearer ${TOKEN}`);
    expect(res.status).toBe(status);
    expect(res.body.resourceType).toBe('OperationOutcome');
  });
});
