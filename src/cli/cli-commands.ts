import type { CliCommand } from './cli-command.js';
import { coverageCommand } from './cli-coverage.js';
import { kpiCommand } from './cli-kpi.js';
import { mappingsCheckCommand } from './cli-mappings-check.js';
import { questionnairesSyncCommand } from './questionnaires-sync.js';
import { replayCommand } from './cli-replay.js';
import { simulateCommand } from './cli-simulate.js';
import { traceCommand } from './cli-trace.js';

/**
 * Every `sdm-bridge` subcommand, in the order `sdm-bridge --help` lists them. A new command is one
 * file exporting a `CliCommand` and one line here.
 */
export const CLI_COMMANDS: readonly CliCommand[] = [
  mappingsCheckCommand,
  simulateCommand,
  coverageCommand,
  replayCommand,
  traceCommand,
  questionnairesSyncCommand,
  kpiCommand,
];
