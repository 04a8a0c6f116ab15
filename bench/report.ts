import type { BackfillFigures } from './run-backfill.js';
import type { EndToEndFigures } from './run-end-to-end.js';
import type { IntakeFigures } from './run-floor-intake.js';
import type { RulesFigure } from './run-rules.js';

/** Everything one run measured. */
export interface BenchResults {
  startedAt: string;
  totalSeconds: number;
  machine: { cpus: number; node: string; loadAverageAtStart: number[] };
  quick: boolean;
  intake?: IntakeFigures;
  endToEnd?: EndToEndFigures;
  /** End to end at a rate this machine keeps up with (no target: it shows the service's own latency). */
  endToEndSustained?: EndToEndFigures;
  rules?: { figures: RulesFigure[]; ratio: number };
  backfill?: BackfillFigures;
  /** Per role: the highest peak RSS over the phases, the phase it was in, and the RSS when ready. */
  memory: { api?: RolePeak; worker?: RolePeak };
  errors: string[];
}

/** The targets, read from the output (never asserted in tests). */
export const TARGETS = {
  intakeRatio: 0.7, // intake ≥ 0.7 × floor
  endToEndP99Ms: 250,
  rulesRatio: 3,
  backfillSeconds: 120,
  rssMiB: 250,
};

/** The highest peak RSS of a role over all phases (MiB). */
export interface RolePeak {
  peakMiB: number;
  phase: string;
  readyMiB: number;
}

type Row = [figure: string, measured: string, target: string, met: string];

/** The table `npm run bench` prints (also the one docs/performance.md quotes). */
export function formatTable(results: BenchResults): string {
  const rows: Row[] = [];
  const { intake, endToEnd, endToEndSustained: sustained, rules, backfill, memory } = results;
  if (intake) {
    rows.push([
      'Floor: express + one queue.add',
      `${intake.floor.requestsPerSec} req/s, p99 ${intake.floor.p99Ms} ms, CPU ${intake.floor.cpuMsPerRequest} ms/req`,
      '-',
      '',
    ]);
    rows.push([
      'Intake: POST /fhir/notify',
      `${intake.intake.requestsPerSec} req/s, p99 ${intake.intake.p99Ms} ms, ${intake.ratio} x floor; CPU ${intake.intake.cpuMsPerRequest} ms/req, ${intake.cpuRatio} x floor's`,
      `>= ${TARGETS.intakeRatio} x floor`,
      met(intake.ratio >= TARGETS.intakeRatio && intake.intake.non2xx === 0),
    ]);
  }
  if (endToEnd) {
    rows.push([
      `End to end: ${endToEnd.sentPerSec} ev/s, ${endToEnd.events} events`,
      `p50 ${endToEnd.p50Ms} / p95 ${endToEnd.p95Ms} / p99 ${endToEnd.p99Ms} ms (${endToEnd.tasks} Tasks)` +
        (endToEnd.keptUp
          ? ''
          : `; did not keep up: ${endToEnd.completedPerSec} ev/s completed, ${endToEnd.eventsWithoutTask} events without a Task after the drain time`),
      `p99 < ${TARGETS.endToEndP99Ms} ms`,
      met(
        endToEnd.keptUp &&
          endToEnd.p99Ms < TARGETS.endToEndP99Ms &&
          endToEnd.refused === 0 &&
          endToEnd.eventsWithoutTask === 0,
      ),
    ]);
  }
  if (sustained) {
    rows.push([
      `End to end, sustained: ${sustained.sentPerSec} ev/s, ${sustained.events} events`,
      `p50 ${sustained.p50Ms} / p95 ${sustained.p95Ms} / p99 ${sustained.p99Ms} ms (${sustained.tasks} Tasks)` +
        (sustained.keptUp ? '' : `; did not keep up: ${sustained.completedPerSec} ev/s completed`),
      '- (latency at a rate this machine keeps up with)',
      '',
    ]);
  }
  if (rules) {
    const shown = rules.figures.map((f) => `${f.triggers}: ${f.usPerEvent} us`).join(', ');
    rows.push([
      'Rules: cost per event by triggers',
      `${shown}; ${rules.ratio} x`,
      `<= ${TARGETS.rulesRatio} x`,
      met(rules.ratio <= TARGETS.rulesRatio),
    ]);
  }
  if (backfill) {
    rows.push([
      `Backfill: ${backfill.events} events, ${backfill.workerProcesses} worker process${backfill.workerProcesses === 1 ? '' : 'es'}`,
      backfill.finished
        ? `${backfill.wallSeconds} s (${backfill.eventsPerSec} ev/s, ${backfill.tasks} Tasks)`
        : `~${backfill.wallSeconds} s projected: ${backfill.processed} done at the cap (${backfill.eventsPerSec} ev/s, ${backfill.tasks} Tasks)`,
      `< ${TARGETS.backfillSeconds} s`,
      met(backfill.wallSeconds < TARGETS.backfillSeconds),
    ]);
  }
  for (const role of ['api', 'worker'] as const) {
    const rss = memory[role];
    if (rss)
      rows.push([
        `Peak RSS ${role}`,
        `${rss.peakMiB} MiB (${rss.phase}; ${rss.readyMiB} MiB when ready)`,
        `< ${TARGETS.rssMiB} MiB`,
        met(rss.peakMiB < TARGETS.rssMiB),
      ]);
  }
  return markdownTable(['figure', 'measured', 'target', 'met'], rows);
}

function met(ok: boolean): string {
  return ok ? 'yes' : 'NO';
}

function markdownTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}
