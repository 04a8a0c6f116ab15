import { Router, type Request } from 'express';
import { EpdError } from '../epd/epd-error.js';
import type { KpiService, MonthRange } from '../kpi/kpi-service.js';
import { isMonth, MAX_MONTHS, monthsBetween } from '../kpi/month-period.js';
import { renderKpiPage } from '../kpi/render-kpi-page.js';
import { AppError, badInput } from '../shared/errors.js';
import { requireAdminToken } from './admin-auth.js';

/** What the KPI routes need: the admin token (the same as the queue dashboard's) and the KPIs. */
export interface KpiDeps {
  token: string;
  kpi: KpiService;
}

/** Where the KPIs are served. */
export const KPI_PATH = '/kpi';

/**
 * `GET /kpi` (JSON) and `GET /kpi/report` (the HTML page), behind the admin token: the figures
 * are about patients, even when aggregated. `?period=2026-10` for one month, `?from=…&to=…` for a
 * range; without either, the last twelve months.
 */
export function kpiRouter(deps: KpiDeps): Router {
  const router = Router();
  router.use(KPI_PATH, requireAdminToken(deps.token));
  router.get(KPI_PATH, async (req, res) => {
    const summary = await summaryFor(deps.kpi, req);
    res.setHeader('Cache-Control', 'private, no-store');
    res.json(summary);
  });
  router.get(`${KPI_PATH}/report`, async (req, res) => {
    const summary = await summaryFor(deps.kpi, req);
    res.setHeader('Cache-Control', 'private, no-store');
    res.type('text/html; charset=utf-8').send(renderKpiPage(summary));
  });
  return router;
}

async function summaryFor(kpi: KpiService, req: Request) {
  const range = rangeOf(req.query, kpi.defaultRange());
  try {
    return await kpi.summary(range);
  } catch (err) {
    // The EPD's own status is not ours to answer with (0 = no answer): away is 503 (try again),
    // a refused search is 500 (this service asked something the EPD does not support).
    if (err instanceof EpdError) {
      const away = err.retry || err.status === 0;
      throw new AppError(`the KPIs could not be read from the EPD: ${err.message}`, {
        status: away ? 503 : 500,
        code: away ? 'transient' : 'exception',
        cause: err,
      });
    }
    throw err;
  }
}

/** The months asked for, checked: real months, `from` not after `to`, at most MAX_MONTHS. */
function rangeOf(query: Request['query'], fallback: MonthRange): MonthRange {
  const text = (name: string): string | undefined =>
    typeof query[name] === 'string' ? (query[name] as string) : undefined;
  const period = text('period');
  const from = period ?? text('from') ?? fallback.from;
  const to = period ?? text('to') ?? (text('from') ? from : fallback.to);
  for (const [name, value] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (!isMonth(value))
      throw badInput(400, `${period ? 'period' : name}: "${value}" is not a month (YYYY-MM)`, [
        { code: 'value', message: 'expected YYYY-MM', expression: period ? 'period' : name },
      ]);
  }
  if (from > to)
    throw badInput(400, `from ${from} is after to ${to}`, [
      { code: 'value', message: 'from is after to', expression: 'from' },
    ]);
  if (monthsBetween(from, to).length > MAX_MONTHS)
    throw badInput(400, `at most ${MAX_MONTHS} months at once`, [
      { code: 'too-costly', message: `at most ${MAX_MONTHS} months`, expression: 'to' },
    ]);
  return { from, to };
}
