import { loadConfig } from '../config/load-config.js';
import type { EpdClient } from '../epd/epd-client.js';
import { EpdError } from '../epd/epd-error.js';
import { createEpdClient } from '../epd/fhir-epd-client.js';
import { formatKpiSummary } from '../kpi/format-kpi-summary.js';
import { createKpiService } from '../kpi/kpi-service.js';
import { isMonth } from '../kpi/month-period.js';
import type { CompiledMappings } from '../rules/compile-mappings.js';
import { AppError } from '../shared/errors.js';
import { loadLiveMappings } from '../terminology/load-live-mappings.js';
import { EXIT, UsageError, type CliCommand, type CliInput } from './cli-command.js';

/** `sdm-bridge kpi`: a month's figures from the record, and on request its MeasureReport into the EPD. */
export const kpiCommand: CliCommand = {
  words: ['kpi'],
  usage: '[--period <YYYY-MM>] [--write]',
  summary: "compute a month's shared decision making KPIs from the EPD; --write stores its MeasureReport",
  help: [
    '--period: the month (default: the previous month, as the monthly schedule). Months begin and end in KPI_TIME_ZONE.',
    '--write: write the MeasureReport (one per month: created, or updated in place, or left unchanged).',
    'Uses the EPD and KPI settings of this environment (EPD_BASE_URL, EPD_AUTH, KPI_SDM_THRESHOLD, KPI_SDM_TARGET, ...).',
    'Exit 0: done; 69: the EPD does not answer; 1: the EPD refused a search or the write.',
  ],
  options: { period: { type: 'string' }, write: { type: 'boolean', default: false } },
  run: (input) => runKpi(input),
};

/** The command with its EPD given (tests pass the sandbox's); without one, the EPD of the environment. */
export async function runKpi(
  { positionals, values, json, io, env }: CliInput,
  epdOverride?: EpdClient,
): Promise<number> {
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const period = values.period as string | undefined;
  if (period !== undefined && !isMonth(period)) throw new UsageError(`--period: "${period}" is not a month (YYYY-MM)`);
  const config = loadConfig({ ...env }); // a ConfigError becomes exit 78 with every problem listed
  const epd = epdOverride ?? createEpdClient(config.epd);
  // Only for the aids' names; value sets by canonical URL come from the cache when the server is away.
  const mappings = await loadLiveMappings(
    config.mappingsDir,
    env,
    config.terminology ? { terminology: config.terminology } : {},
  )
    .then((live) => live.mappings)
    .catch(() => undefined);
  if (!mappings && !json)
    io.err(`note: mapping files in ${config.mappingsDir} not loaded; decision aids are shown by their canonical URL`);
  const kpi = createKpiService({
    epd,
    settings: config.kpi,
    ...(mappings ? { getMappings: (): CompiledMappings => mappings } : {}),
  });
  const month = period ?? kpi.previousMonth();
  try {
    const written = values.write ? (await kpi.measureReport(month, { write: true })).written : undefined;
    const summary = await kpi.summary({ from: month, to: month }, { fresh: !written }); // after a write: the figures it wrote
    if (json) io.out(JSON.stringify({ summary, ...(written ? { measureReport: written } : {}) }, null, 2));
    else {
      for (const line of formatKpiSummary(summary)) io.out(line);
      if (written) io.out(`MeasureReport ${written.outcome}: ${written.reference} (sdm-kpi-${month})`);
    }
    return EXIT.ok;
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    io.err(`kpi: ${err.message}`);
    return err instanceof EpdError && (err.retry || err.status === 0) ? EXIT.unavailable : EXIT.findings;
  }
}
