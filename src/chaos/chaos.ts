import { formatReport, passed } from './chaos-report.js';
import { runChaos } from './run-chaos.js';

/** The run: 10,000 events. */
const DEFAULT_EVENTS = 10_000;

/**
 * `npm run chaos [-- --events N --seed S --rate R --cross-source-copies 0|1]`: the chaos run with its
 * figures on stdout.
 * Exits 0 only when nothing was lost, nothing doubled, nothing unexpected written and no send refused.
 */
async function main(): Promise<number> {
  const args = readArgs(process.argv.slice(2));
  const abort = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      abort.abort();
      setTimeout(() => process.exit(130), 500).unref(); // time for the kills to be sent
    });
  }
  const report = await runChaos({
    signal: abort.signal,
    events: args.events ?? DEFAULT_EVENTS,
    ...(args.seed !== undefined ? { seed: args.seed } : {}),
    ...(args.rate !== undefined ? { ratePerSecond: args.rate } : {}),
    ...(args['cross-source-copies'] !== undefined ? { crossSourceCopies: args['cross-source-copies'] === 1 } : {}),
    progress: (line) => process.stderr.write(`[chaos] ${line}\n`),
  });
  process.stdout.write(formatReport(report));
  return passed(report) ? 0 : 1;
}

type ChaosArgs = { events?: number; seed?: number; rate?: number; 'cross-source-copies'?: number };

function readArgs(argv: string[]): ChaosArgs {
  const out: Record<string, number> = {};
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i]?.replace(/^--/, '');
    const value = Number(argv[i + 1]);
    const isSwitch = name === 'cross-source-copies';
    const valid = isSwitch ? value === 0 || value === 1 : Number.isFinite(value) && value > 0;
    if (!name || !['events', 'seed', 'rate', 'cross-source-copies'].includes(name) || !valid) {
      throw new Error(
        'usage: npm run chaos -- [--events N] [--seed S] [--rate R] [--cross-source-copies 0|1]' +
          `  (bad argument: ${argv[i]} ${argv[i + 1] ?? ''})`,
      );
    }
    out[name] = value;
  }
  return out;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`chaos run failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(2);
  },
);
