import { parseArgs } from 'node:util';
import { ConfigError } from '../config/load-config.js';
import { EXIT, UsageError, type CliCommand, type CliInput, type CliIo } from './cli-command.js';

/** Options every command takes. */
const COMMON_OPTIONS = {
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/**
 * Runs one `sdm-bridge` invocation: picks the command by its words, parses its options strictly,
 * runs it and turns what it throws into an exit code with a message on stderr.
 */
export async function runCli(
  argv: readonly string[],
  commands: readonly CliCommand[],
  io: CliIo,
  env: Readonly<Record<string, string | undefined>>,
): Promise<number> {
  const command = pickCommand(argv, commands);
  if (!command) {
    const asked = argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help';
    if (!asked) io.err(`sdm-bridge: unknown command "${argv.filter((a) => !a.startsWith('-')).join(' ')}"`);
    for (const line of overview(commands)) (asked ? io.out : io.err)(line);
    return asked ? EXIT.ok : EXIT.usage;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: argv.slice(command.words.length) as string[],
      options: { ...command.options, ...COMMON_OPTIONS },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    return usageFailure(command, (err as Error).message, io);
  }
  const values = parsed.values as CliInput['values'];
  if (values.help) {
    for (const line of commandHelp(command)) io.out(line);
    return EXIT.ok;
  }
  try {
    return await command.run({ positionals: parsed.positionals, values, json: values.json === true, io, env });
  } catch (err) {
    if (err instanceof UsageError) return usageFailure(command, err.message, io);
    if (err instanceof ConfigError) {
      io.err(`sdm-bridge ${command.words.join(' ')}: ${err.message}`);
      return EXIT.config;
    }
    io.err(`sdm-bridge ${command.words.join(' ')} failed: ${(err as Error).stack ?? String(err)}`);
    return EXIT.software;
  }
}

/** The command whose words start the arguments; the longest such match wins. */
function pickCommand(argv: readonly string[], commands: readonly CliCommand[]): CliCommand | undefined {
  return [...commands]
    .sort((a, b) => b.words.length - a.words.length)
    .find((command) => command.words.every((word, index) => argv[index] === word));
}

function usageFailure(command: CliCommand, message: string, io: CliIo): number {
  io.err(`sdm-bridge ${command.words.join(' ')}: ${message}`);
  io.err(`usage: sdm-bridge ${command.words.join(' ')} ${command.usage} [--json]`);
  return EXIT.usage;
}

function overview(commands: readonly CliCommand[]): string[] {
  const width = Math.max(...commands.map((c) => c.words.join(' ').length));
  return [
    'usage: sdm-bridge <command> [options]    (sdm-bridge <command> --help for its options)',
    '',
    ...commands.map((c) => `  ${c.words.join(' ').padEnd(width)}  ${c.summary}`),
    '',
    'Every command takes --json (one JSON document on stdout, for scripts).',
    'Exit codes: 0 ok, 1 problems found, 64 usage, 65 bad input, 69 Redis/EPD unavailable, 70 internal error, 78 configuration.',
  ];
}

function commandHelp(command: CliCommand): string[] {
  const options = Object.entries(command.options).map(([name, option]) => {
    const value = option.type === 'string' ? ' <value>' : '';
    return `  --${name}${value}${option.multiple ? ' (repeatable)' : ''}`;
  });
  return [
    `usage: sdm-bridge ${command.words.join(' ')} ${command.usage} [--json]`,
    '',
    command.summary,
    ...(command.help?.length ? ['', ...command.help] : []),
    ...(options.length ? ['', 'options:', ...options] : []),
  ];
}
