import type { ChildProcess } from 'node:child_process';

/** Stops a child process started here, by its own handle (SIGKILL: nothing of it needs to survive), and waits for its exit. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}
