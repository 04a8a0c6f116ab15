import type { ParseArgsConfig } from 'node:util';

/** Options of a command, as node:util parseArgs takes them. */
export type CliOptions = NonNullable<ParseArgsConfig['options']>;

/**
 * Exit codes of `sdm-bridge`, after BSD sysexits so scripts can tell "you called it wrong" from
 * "the input is wrong" from "a dependency is away". 1 means the command ran and found problems.
 */
export const EXIT = {
  ok: 0,
  /** The command ran and found problems (invalid mapping files, jobs that could not be moved). */
  findings: 1,
  /** Unknown command or option, missing argument (EX_USAGE). */
  usage: 64,
  /** An input file is unreadable or not what it should be (EX_DATAERR). */
  dataError: 65,
  /** Redis or the EPD did not answer (EX_UNAVAILABLE). */
  unavailable: 69,
  /** A fault in sdm-bridge itself (EX_SOFTWARE). */
  software: 70,
  /** The environment's configuration is invalid (EX_CONFIG, as the service itself). */
  config: 78,
} as const;

/** Where a command writes: stdout lines, stderr lines, and whether stderr is a terminal (progress bars). */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** Rewrites the current stderr line (progress); a no-op when stderr is not a terminal. */
  progress(line: string): void;
  readonly interactive: boolean;
}

/** What a command gets: its parsed arguments, output, and the environment (config, secrets). */
export interface CliInput {
  positionals: string[];
  values: Record<string, string | boolean | string[] | undefined>;
  /** `--json`: one JSON document on stdout instead of lines for people. */
  json: boolean;
  io: CliIo;
  env: Readonly<Record<string, string | undefined>>;
}

/** One `sdm-bridge` subcommand. Register it in cli-commands.ts. */
export interface CliCommand {
  /** The words that select it, e.g. `['mappings', 'check']`. */
  words: readonly string[];
  /** Arguments after the words, for the usage line, e.g. `<event.json> [--patient <file>]`. */
  usage: string;
  /** One line for the command list. */
  summary: string;
  /** More lines for `sdm-bridge <command> --help`. */
  help?: readonly string[];
  /** Its options (node:util parseArgs); `--json` and `--help` are added for every command. */
  options: CliOptions;
  /** Runs it and returns the exit code (see EXIT). */
  run(input: CliInput): Promise<number>;
}

/** A usage mistake found by a command: reported with the usage line, exit 64. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
