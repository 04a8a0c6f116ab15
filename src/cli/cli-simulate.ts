import { readFile } from 'node:fs/promises';
import type { Resource } from '@medplum/fhirtypes';
import { loadConfig } from '../config/load-config.js';
import { createEpdClient } from '../epd/fhir-epd-client.js';
import { MappingError, formatMappingIssue } from '../rules/load-mappings.js';
import { AppError } from '../shared/errors.js';
import { EXIT, UsageError, type CliCommand, type CliInput } from './cli-command.js';
import { resourcesIn } from './simulate-epd.js';
import { formatSimulation } from './simulate-format.js';
import { loadMappingsForDryRun } from './simulate-mappings.js';
import { simulate, type SimulationReport } from './simulate.js';

/** `YYYY-MM-DD` or a full ISO 8601 date-time. */
const DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** `sdm-bridge simulate <event.json>`: which key moment, which triggers, which invitations, and why not. */
export const simulateCommand: CliCommand = {
  words: ['simulate'],
  usage:
    '<event.json> | --ref <Type/id> [--patient <file>] [--related <file>...] [--facts <file>...] [--date <date>] [--mappings <dir>] [--epd]',
  summary: 'dry run of one EPD notification: what would be sent, and why each other trigger did not fire',
  help: [
    'event.json is a body as the EPD posts it to /fhir/notify (subscription notification, FHIR message, Bundle or one resource).',
    'The rules read the resource, its patient, the RelatedPersons (parents, guardians) and the encounter from the files given',
    '(each a resource or a Bundle), or with --epd from the EPD configured in this environment (EPD_BASE_URL, EPD_AUTH, ...).',
    '--date evaluates as on that day (ages, guardianship periods) instead of the time in the notification.',
    '--ref MedicationRequest/123 takes the change itself from the EPD (implies --epd): why did this change invite nobody?',
    'Nothing is queued and nothing is written. Exit 0 when every event was evaluated; 65 when an input is unusable.',
  ],
  options: {
    patient: { type: 'string', multiple: true },
    related: { type: 'string', multiple: true },
    facts: { type: 'string', multiple: true },
    date: { type: 'string' },
    mappings: { type: 'string' },
    source: { type: 'string' },
    epd: { type: 'boolean', default: false },
    ref: { type: 'string' },
  },
  run: runSimulate,
};

/** `Type/id` as `--ref` takes it. */
const REF = /^[A-Z][A-Za-z]{1,63}\/[A-Za-z0-9.-]{1,64}$/;

async function runSimulate({ positionals, values, json, io, env }: CliInput): Promise<number> {
  const ref = values.ref as string | undefined;
  if (ref !== undefined) return runSimulateRef(ref, { positionals, values, json, io, env });
  const [eventFile, ...extra] = positionals;
  if (!eventFile || extra.length)
    throw new UsageError(eventFile ? `unexpected argument "${extra[0]}"` : 'give the event file (or --ref Type/id)');
  const date = values.date as string | undefined;
  if (date !== undefined && !DATE.test(date))
    throw new UsageError(`--date "${date}" is not YYYY-MM-DD or an ISO 8601 date-time`);
  const files = ['patient', 'related', 'facts'].flatMap((name) => (values[name] as string[] | undefined) ?? []);
  const inputs = await readInputs([eventFile, ...files]);
  if ('failed' in inputs) return fail(io, json, EXIT.dataError, inputs.failed);
  const [body, ...facts] = inputs.json;
  return simulateBody(body, facts, eventFile, values.epd ? epdFrom(env) : undefined, { values, json, io, env });
}

/** `--ref Type/id`: the resource as the EPD holds it now, sent through the rules as if it had just been notified. */
async function runSimulateRef(ref: string, input: CliInput): Promise<number> {
  if (input.positionals.length) throw new UsageError('give either the event file or --ref, not both');
  if (!REF.test(ref)) throw new UsageError(`--ref "${ref}" is not Type/id, e.g. MedicationRequest/123`);
  const epd = epdFrom(input.env);
  let body: Resource;
  try {
    body = await epd.read<Resource>(ref);
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    const code = err.retry ? EXIT.unavailable : EXIT.dataError;
    return fail(input.io, input.json, code, [`${ref} could not be read from the EPD: ${err.message}`]);
  }
  return simulateBody(body, [], ref, epd, input);
}

async function simulateBody(
  body: unknown,
  facts: unknown[],
  eventFile: string,
  epd: ReturnType<typeof epdFrom> | undefined,
  { values, json, io, env }: Pick<CliInput, 'values' | 'json' | 'io' | 'env'>,
): Promise<number> {
  const date = values.date as string | undefined;
  const dir = (values.mappings as string | undefined) ?? env.MAPPINGS_DIR ?? 'mappings';
  let loaded;
  try {
    loaded = await loadMappingsForDryRun(dir, env);
  } catch (err) {
    if (!(err instanceof MappingError)) throw err;
    return fail(io, json, EXIT.dataError, [
      `the mapping files in ${dir} cannot be used:`,
      ...err.errors.map(formatMappingIssue),
    ]);
  }
  let report: SimulationReport;
  try {
    report = await simulate({
      body,
      facts: facts.flatMap(resourcesIn) as Resource[],
      mappings: loaded.mappings,
      mappingsDir: dir,
      ...(epd ? { epd } : {}),
      ...(date ? { date: date.length === 10 ? `${date}T12:00:00Z` : date } : {}),
      ...(values.source ? { source: values.source as string } : {}),
    });
  } catch (err) {
    if (!(err instanceof AppError) || err.status >= 500) throw err;
    return fail(io, json, EXIT.dataError, [
      `${eventFile} is not a usable notification:`,
      ...err.problems.map((p) => `${p.expression ?? ''} ${p.message}`.trim()),
    ]);
  }
  if (loaded.placeholders.length) {
    report.notes.push(
      `secrets not set in this environment, placeholders used (a dry run sends nothing): ${loaded.placeholders.join(', ')}`,
    );
  }
  if (json) io.out(JSON.stringify(report, null, 2));
  else for (const line of formatSimulation(report)) io.out(line);
  return exitCodeOf(report);
}

/** 0 when every event was evaluated; 69 when the EPD did not answer; 65 for anything else missing. */
function exitCodeOf(report: SimulationReport): number {
  const failed = report.events.filter((e) => e.error !== undefined);
  if (!failed.length) return EXIT.ok;
  return failed.some((e) => e.unavailable) ? EXIT.unavailable : EXIT.dataError;
}

function epdFrom(env: Readonly<Record<string, string | undefined>>) {
  const config = loadConfig({ ...env }); // a ConfigError becomes exit 78 with every problem listed
  return createEpdClient(config.epd);
}

async function readInputs(paths: readonly string[]): Promise<{ json: unknown[] } | { failed: string[] }> {
  const json: unknown[] = [];
  const failed: string[] = [];
  for (const path of paths) {
    try {
      json.push(JSON.parse(await readFile(path, 'utf8')));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      failed.push(`${path}: ${code ? `cannot read the file (${code})` : `not JSON (${(err as Error).message})`}`);
    }
  }
  return failed.length ? { failed } : { json };
}

function fail(io: CliInput['io'], json: boolean, code: number, lines: string[]): number {
  if (json) io.out(JSON.stringify({ ok: false, problems: lines }));
  else for (const line of lines) io.err(line);
  return code;
}
