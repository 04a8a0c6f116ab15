import { ConfigError } from '../config/load-config.js';
import { EXIT, UsageError, type CliCommand, type CliIo } from './cli-command.js';
import { runCli } from './cli-run.js';

function capture(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (l) => stdout.push(l),
    err: (l) => stderr.push(l),
    progress: () => undefined,
    interactive: false,
  };
}

const calls: unknown[] = [];
const command = (
  words: string[],
  run: CliCommand['run'] = async (input) => (calls.push([words, input.positionals, input.values, input.json]), 0),
): CliCommand => ({
  words,
  usage: '[x]',
  summary: `does ${words.join(' ')}`,
  options: { name: { type: 'string' }, flag: { type: 'boolean', default: false } },
  run,
});

const COMMANDS = [
  command(['questionnaires']),
  command(['questionnaires', 'sync']),
  command(['broken'], async () => {
    throw new Error('boom');
  }),
  command(['misused'], async () => {
    throw new UsageError('give the event file');
  }),
  command(['unconfigured'], async () => {
    throw new ConfigError(['EPD_BASE_URL: Invalid input']);
  }),
];

describe('runCli', () => {
  beforeEach(() => calls.splice(0));

  it('picks the command with the most matching words and passes its arguments', async () => {
    const io = capture();
    expect(await runCli(['questionnaires', 'sync', 'dir', '--name', 'n', '--json'], COMMANDS, io, {})).toBe(0);
    expect(calls).toEqual([
      [['questionnaires', 'sync'], ['dir'], { name: 'n', flag: false, json: true, help: false }, true],
    ]);
  });

  it.each([
    [[], EXIT.ok, 'stdout'],
    [['--help'], EXIT.ok, 'stdout'],
    [['nope'], EXIT.usage, 'stderr'],
  ])('lists the commands for %p (exit %i)', async (argv, code, stream) => {
    const io = capture();
    expect(await runCli(argv, COMMANDS, io, {})).toBe(code);
    expect(io[stream as 'stdout' | 'stderr'].join('\n')).toContain('questionnaires sync  does questionnaires sync');
  });

  it.each([
    [['questionnaires', 'sync', '--bogus'], EXIT.usage, /Unknown option '--bogus'/],
    [['misused'], EXIT.usage, /give the event file/],
    [['unconfigured'], EXIT.config, /EPD_BASE_URL/],
    [['broken'], EXIT.software, /failed: Error: boom/],
  ])('turns %p into exit %i with a message on stderr', async (argv, code, message) => {
    const io = capture();
    expect(await runCli(argv, COMMANDS, io, {})).toBe(code);
    expect(io.stderr.join('\n')).toMatch(message);
    expect(io.stdout).toEqual([]);
  });

  it("prints a command's help without running it", async () => {
    const io = capture();
    expect(await runCli(['questionnaires', 'sync', '--help'], COMMANDS, io, {})).toBe(0);
    expect(io.stdout[0]).toBe('usage: sdm-bridge questionnaires sync [x] [--json]');
    expect(calls).toEqual([]);
  });
});
