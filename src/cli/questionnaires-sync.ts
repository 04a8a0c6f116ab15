import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '../config/load-config.js';
import type { EpdClient } from '../epd/epd-client.js';
import { EpdError } from '../epd/epd-error.js';
import { createEpdClient } from '../epd/fhir-epd-client.js';
import { loadQuestionnaires, QUESTIONNAIRES_SUBDIR } from '../pro/load-questionnaires.js';
import { syncQuestionnaires, type SyncedQuestionnaire } from '../pro/sync-questionnaires.js';
import { AppError } from '../shared/errors.js';
import { EXIT, type CliCommand, type CliInput, type CliIo } from './cli-command.js';
import { runCli } from './cli-run.js';

/** Used when neither an argument nor MAPPINGS_DIR names the directory, as in the service. */
const DEFAULT_MAPPINGS_DIR = 'mappings';

/** `sdm-bridge questionnaires sync [dir]`: writes the Questionnaire files to the EPD and says what changed. */
export const questionnairesSyncCommand: CliCommand = {
  words: ['questionnaires', 'sync'],
  usage: '[dir]',
  summary: 'write the Questionnaires to the EPD (matched on url and version) and report what changed',
  help: [
    'Reads every *.json in dir (default: $MAPPINGS_DIR/questionnaires, else ./mappings/questionnaires), checks them as the service does,',
    'and writes each to the EPD of this environment (EPD_BASE_URL, EPD_AUTH, ...): created when its url and version are new,',
    'updated when the EPD holds a different text, untouched when it is the same. Running it again changes nothing.',
    'Exit 0: done; 65: a file is not a usable Questionnaire; 69: the EPD does not answer; 1: the EPD refused one.',
  ],
  options: {},
  run: (input) => runSync(input),
};

/** The sync with its EPD given (tests pass a fake); without one, the EPD of the environment. */
export async function runSync({ positionals, json, io, env }: CliInput, epdOverride?: EpdClient): Promise<number> {
  const dir = positionals[0] ?? join(env.MAPPINGS_DIR || DEFAULT_MAPPINGS_DIR, QUESTIONNAIRES_SUBDIR);
  // The service reads a missing folder as "no questionnaires"; asked to sync it, that is a mistake.
  if (!(await isDirectory(dir))) {
    io.err(
      `questionnaires sync: ${dir} is not a folder; give the folder of the Questionnaire files (*.json) as an argument, or set MAPPINGS_DIR`,
    );
    return EXIT.dataError;
  }
  let questionnaires;
  try {
    questionnaires = (await loadQuestionnaires(dir, { fhirValidation: true })).list;
  } catch (err) {
    io.err((err as Error).message);
    return EXIT.dataError;
  }
  const epd = epdOverride ?? epdOfEnvironment(env);
  let outcomes: SyncedQuestionnaire[];
  try {
    outcomes = await syncQuestionnaires(epd, questionnaires);
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    io.err(`questionnaires sync: ${err.message}`);
    return err instanceof EpdError && (err.retry || err.status === 0) ? EXIT.unavailable : EXIT.findings;
  }
  report(dir, outcomes, json, io);
  return EXIT.ok;
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (found) => found.isDirectory(),
    () => false,
  );
}

function epdOfEnvironment(env: Readonly<Record<string, string | undefined>>): EpdClient {
  const config = loadConfig({ ...env }); // a ConfigError becomes exit 78 with every problem listed
  return createEpdClient(config.epd);
}

function report(dir: string, outcomes: readonly SyncedQuestionnaire[], json: boolean, io: CliIo): void {
  if (json) {
    io.out(JSON.stringify({ dir, questionnaires: outcomes }));
    return;
  }
  for (const o of outcomes)
    io.out(
      `${o.action.padEnd(9)} ${o.canonical} → ${o.reference}${o.changed ? ` (changed: ${o.changed.join(', ')})` : ''}`,
    );
  const count = (action: SyncedQuestionnaire['action']) => outcomes.filter((o) => o.action === action).length;
  io.out(
    `${dir}: ${outcomes.length} questionnaire(s): ${count('created')} created, ${count('updated')} updated, ${count('unchanged')} unchanged`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const io: CliIo = {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    progress: () => undefined,
    interactive: false,
  };
  process.exitCode = await runCli(
    ['questionnaires', 'sync', ...process.argv.slice(2)],
    [questionnairesSyncCommand],
    io,
    process.env,
  );
}
