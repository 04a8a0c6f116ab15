// The node test environment with a guard after graphile-worker's: a test file that leaves a
// worker, a server, a Redis connection or a child process running fails, naming what was left.
// Why a test environment and not an afterAll in a setup file: teardown runs after every hook of the
// file, its own afterAll included, so only what the file truly left behind is counted.
// Plain JavaScript: jest loads test environments without the TypeScript transform.
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { TestEnvironment } from 'jest-environment-node';

/**
 * Handles that mean "still running": sockets (Redis connections, HTTP clients and their keep-alive
 * pools), listening servers and child processes. Timers are left out: libraries keep harmless ones.
 */
const WATCHED = ['TCPSocketWrap', 'TCPServerWrap', 'PipeServerWrap', 'ProcessWrap'];
/** Closing is asynchronous (a socket closes a tick after `disconnect()`): how long to let it finish. */
const GRACE_MS = 2_000;

export function countWatched() {
  const counts = new Map();
  for (const type of process.getActiveResourcesInfo()) {
    if (WATCHED.includes(type)) counts.set(type, (counts.get(type) ?? 0) + 1);
  }
  return counts;
}

/** What is running now beyond what was running before the file started, e.g. `TCPSocketWrap ×2`. */
export function leftSince(before) {
  const left = [];
  for (const [type, n] of countWatched()) {
    const extra = n - (before.get(type) ?? 0);
    if (extra > 0) left.push(`${type} ×${extra}`);
  }
  return left;
}

/** What is still running beyond `before` once closing had `graceMs` to finish (empty: nothing was left). */
export async function leftAfterGrace(before, graceMs = GRACE_MS) {
  const deadline = Date.now() + graceMs;
  let left = leftSince(before);
  while (left.length > 0 && Date.now() < deadline) {
    await sleep(50);
    left = leftSince(before);
  }
  return left;
}

export default class LeakGuardEnvironment extends TestEnvironment {
  async setup() {
    await super.setup();
    this.handlesBefore = countWatched();
  }

  /** Tests that failed, kept because an error in teardown replaces the file's results in jest's report. */
  failures = [];

  handleTestEvent(event) {
    if (event.name === 'test_done' && event.test.errors.length > 0) {
      const error = event.test.errors[0];
      const message = (Array.isArray(error) ? error[0] : error)?.message ?? String(error);
      this.failures.push(`${event.test.name}: ${message.split('\n').slice(0, 12).join('\n')}`);
    }
    if (event.name === 'hook_failure') this.failures.push(`${event.hook.type}: ${event.error?.message ?? event.error}`);
  }

  async teardown() {
    await super.teardown();
    const left = await leftAfterGrace(this.handlesBefore);
    if (left.length > 0) {
      const failed =
        this.failures.length > 0 ? `\nafter these failures (often the cause):\n${this.failures.join('\n')}` : '';
      throw new Error(
        `the test file left running: ${left.join(', ')} (close every worker, queue, Redis connection, ` +
          `server and child process it started, in afterAll)${failed}`,
      );
    }
  }
}
