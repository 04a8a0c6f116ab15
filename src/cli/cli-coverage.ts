import { loadConfig } from '../config/load-config.js';
import { createEpdClient } from '../epd/fhir-epd-client.js';
import { MappingError, formatMappingIssue } from '../rules/load-mappings.js';
import { parseIsoDuration } from '../rules/parse-iso-duration.js';
import { AppError } from '../shared/errors.js';
import { EXIT, UsageError, type CliCommand, type CliInput } from './cli-command.js';
import { coverage, type CoverageReport } from './coverage.js';
import { readOnly } from './simulate-epd.js';
import { loadMappingsForDryRun } from './simulate-mappings.js';

/** Changes per resource type looked at when --max is not given: a week of a busy clinic, read in minutes. */
const DEFAULT_MAX = 2000;

/** `sdm-bridge coverage --since P7D`: per trigger, how many recent changes matched and why the others did not. */
export const coverageCommand: CliCommand = {
  words: ['coverage'],
  usage: '--since <duration> [--max <n>] [--mappings <dir>]',
  summary: 'per trigger: how many recent EPD changes of its type matched, and the top reasons of near misses',
  help: [
    'Reads the changes of every resource type a trigger listens to (_lastUpdated within --since, e.g. P7D) from the EPD',
    'configured in this environment and runs the rules on each as a dry run: nothing is queued or written.',
    'A trigger with many changes and no matches has a mapping gap: its near misses say which code, department or',
    'representative was missing. --max caps the changes read per resource type (default 2000).',
  ],
  options: { since: { type: 'string' }, max: { type: 'string' }, mappings: { type: 'string' } },
  run: runCoverage,
};

async function runCoverage({ positionals, values, json, io, env }: CliInput): Promise<number> {
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const window = parseIsoDuration((values.since as string | undefined) ?? '');
  if (window === undefined) throw new UsageError('give --since as an ISO 8601 duration, e.g. P7D');
  const max = values.max === undefined ? DEFAULT_MAX : Number(values.max);
  if (!Number.isInteger(max) || max < 1)
    throw new UsageError(`--max "${String(values.max)}" is not a whole number above 0`);
  const dir = (values.mappings as string | undefined) ?? env.MAPPINGS_DIR ?? 'mappings';
  let mappings;
  try {
    mappings = (await loadMappingsForDryRun(dir, env)).mappings;
  } catch (err) {
    if (!(err instanceof MappingError)) throw err;
    for (const line of [`the mapping files in ${dir} cannot be used:`, ...err.errors.map(formatMappingIssue)])
      io.err(line);
    return EXIT.dataError;
  }
  const epd = readOnly(createEpdClient(loadConfig({ ...env }).epd));
  const since = new Date(Date.now() - window).toISOString();
  let report: CoverageReport;
  try {
    report = await coverage({ epd, mappings, since, max });
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    io.err(`the EPD could not be searched: ${err.message}`);
    return err.retry ? EXIT.unavailable : EXIT.dataError;
  }
  if (json) io.out(JSON.stringify(report, null, 2));
  else for (const line of formatCoverage(report)) io.out(line);
  return EXIT.ok;
}

/** The report as lines for people: one block per trigger. */
export function formatCoverage(report: CoverageReport): string[] {
  const lines = [`changes since ${report.since}:`];
  for (const type of report.types)
    lines.push(`  ${type.resourceType}: ${type.changes}${type.truncated ? ' (capped by --max)' : ''}`);
  for (const trigger of report.triggers) {
    const skipped = Object.entries(trigger.skipped).map(([cls, count]) => `${cls} ${count}`);
    lines.push(
      `${trigger.triggerId} (${trigger.resourceType}, ${trigger.keyMoment}): ${trigger.matched} of ${trigger.changes} matched` +
        (skipped.length ? `; skipped: ${skipped.join(', ')}` : ''),
    );
    for (const miss of trigger.nearMisses) lines.push(`  ${miss.count}× ${miss.reason}`);
  }
  return lines;
}
