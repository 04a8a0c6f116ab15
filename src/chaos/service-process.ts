import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The service as a process of its own (`src/main.ts`), so a test can kill it like an orchestrator would. */
export interface ServiceProcess {
  pid: number;
  /** Resolves when the process has ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** True once the process has ended. */
  readonly ended: boolean;
  /** The last lines it wrote (stdout and stderr), for failure messages. */
  lines(): string[];
  /** Resolves with the first line (already written or to come) that matches; rejects after `timeoutMs` or on exit. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<string>;
  kill(signal: NodeJS.Signals): void;
}

/** Lines kept per process: enough to see why it stopped, bounded for a long chaos run. */
const KEPT_LINES = 500;
/** The repository root, where `src/main.ts` and the mapping folders are. */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Starts `node --import tsx src/main.ts <role>` with exactly `env` (plus PATH); stop it with `kill` by its pid. */
export function startServiceProcess(
  role: 'api' | 'worker' | 'all',
  env: Record<string, string | undefined>,
): ServiceProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', role], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...env, NODE_OPTIONS: '' }, // the test runner's VM-module flags are not the service's
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const kept: string[] = [];
  const waiters = new Set<{ pattern: RegExp; resolve: (line: string) => void }>();
  const onData = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) {
      if (!line) continue;
      kept.push(line);
      if (kept.length > KEPT_LINES) kept.shift();
      for (const waiter of waiters) if (waiter.pattern.test(line)) waiter.resolve(line);
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  return {
    pid: child.pid ?? -1,
    exited,
    get ended() {
      return child.exitCode !== null || child.signalCode !== null;
    },
    lines: () => [...kept],
    kill: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    waitForLine(pattern, timeoutMs) {
      const seen = kept.find((line) => pattern.test(line));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const waiter = { pattern, resolve: (line: string) => finish(() => resolve(line)) };
        const timer = setTimeout(
          () =>
            finish(() =>
              reject(
                new Error(
                  `no line matching ${pattern} within ${timeoutMs} ms; last lines:\n${kept.slice(-20).join('\n')}`,
                ),
              ),
            ),
          timeoutMs,
        );
        void exited.then(({ code, signal }) =>
          finish(() =>
            reject(
              new Error(
                `process ended (${code ?? signal}) before a line matching ${pattern}; last lines:\n${kept.slice(-20).join('\n')}`,
              ),
            ),
          ),
        );
        function finish(settle: () => void) {
          clearTimeout(timer);
          if (waiters.delete(waiter)) settle();
        }
        waiters.add(waiter);
      });
    },
  };
}
