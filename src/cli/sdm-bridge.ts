#!/usr/bin/env node
import { CLI_COMMANDS } from './cli-commands.js';
import type { CliIo } from './cli-command.js';
import { createProgressWriter } from './cli-progress.js';
import { runCli } from './cli-run.js';

/**
 * `sdm-bridge`: the operator's command line (mapping checks, dry runs, replaying failed jobs).
 * Compiled to dist/cli/sdm-bridge.js (package.json `bin`); in development: `npm run cli -- <command>`.
 */
const interactive = process.stderr.isTTY === true;
const io: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  progress: createProgressWriter({ interactive, write: (text) => process.stderr.write(text) }),
  interactive,
};

process.exitCode = await runCli(process.argv.slice(2), CLI_COMMANDS, io, process.env);
