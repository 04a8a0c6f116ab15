import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** A process the bench started: its pid, how much memory it used at most, and how to stop it. */
export interface BenchProcess {
  name: string;
  pid: number;
  /** Peak resident set size so far (VmHWM), in MiB. */
  peakRssMiB(): Promise<number>;
  /** Resident set size when it became ready (before any load), in MiB. */
  readyRssMiB: number;
  stop(): Promise<void>;
}

/** How long a process may take to start before the bench gives up on it. */
const START_TIMEOUT_MS = 60_000; // loading the FHIR definitions takes a few seconds on a busy machine

/**
 * Compiles the service as `npm run build` does, into a cache folder, so API and worker run as in
 * production (`node main.js`). Why not tsx: its loader thread adds about 35 MB to every process,
 * which would be counted as the service's memory. Type errors do not stop the output.
 */
export async function buildService(root: string): Promise<string> {
  const outDir = join(root, 'node_modules', '.cache', 'sdm-bench', 'build');
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const args = [
    tsc,
    '-p',
    join(root, 'tsconfig.build.json'),
    '--outDir',
    outDir,
    '--sourceMap',
    'false',
    '--incremental',
    '--tsBuildInfoFile',
    join(outDir, '..', 'tsbuildinfo'),
  ];
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  await once(child, 'exit');
  // Below node_modules the project's "type": "module" is not found by Node: say it again.
  await writeFile(join(outDir, 'package.json'), '{ "type": "module" }\n');
  await readFile(join(outDir, 'main.js')); // throws if the build produced nothing
  return outDir;
}

/**
 * Starts a Node process with its output in `<logDir>/<name>.log`, and waits until `ready` resolves.
 * The process is run directly (no npm, no tsx wrapper), so its pid is the one whose memory counts.
 */
export async function startProcess(options: {
  name: string;
  args: string[];
  env: Record<string, string>;
  logDir: string;
  ready: () => Promise<boolean>;
}): Promise<BenchProcess> {
  await mkdir(options.logDir, { recursive: true });
  // The child writes its log lines straight into the file: the bench process never handles them.
  const log = openSync(join(options.logDir, `${options.name}.log`), 'w');
  const child = spawn(process.execPath, options.args, { env: options.env, stdio: ['ignore', log, log] });
  closeSync(log);
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`${options.name} exited with ${child.exitCode}; see ${options.logDir}/${options.name}.log`);
    if (await options.ready().catch(() => false)) break;
    if (Date.now() - started > START_TIMEOUT_MS) {
      await stopChild(child, exited);
      throw new Error(
        `${options.name} did not become ready in ${START_TIMEOUT_MS} ms; see ${options.logDir}/${options.name}.log`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    name: options.name,
    pid: child.pid!,
    readyRssMiB: await peakRssMiB(child.pid!),
    peakRssMiB: () => peakRssMiB(child.pid!),
    stop: () => stopChild(child, exited),
  };
}

/** A TCP port that was free a moment ago on 127.0.0.1 (the OS picks it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** VmHWM of a process, in MiB: the most memory it ever held resident. */
export async function peakRssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmHWM:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? NaN);
  return Math.round((kb / 1024) * 10) / 10;
}

/** Clock ticks per second of /proc/<pid>/stat's CPU times (USER_HZ: 100 on Linux). */
const USER_HZ = 100;

/**
 * CPU time a process has used so far (user + system, all its threads), in ms. Why CPU time beside
 * throughput: on a shared 2-core machine requests/s move with whatever else runs; the CPU a request
 * costs the process that serves it moves less (it still moves when the host is busy).
 */
export async function cpuTimeMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces, hence the last ')'): utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / USER_HZ;
}

/** SIGTERM to this child only (by its pid), then SIGKILL if it is still there after the grace time. */
async function stopChild(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}
