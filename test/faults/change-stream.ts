import { demoSteps, notificationFor } from '../../src/sandbox/demo-scenario.js';
import { medicationAgreement } from '../../src/sandbox/seed-patients.js';
import type { EmbeddedStack } from '../../src/sandbox/start-stack.js';
import { freshChild, notify, refOf, storeInEpd } from '../helpers/embedded.js';

/** A steady stream of medication changes, each for a new child of 13 (so two invitations each). */
export interface ChangeStream {
  /** The changes the service answered 202 for, by focus (`Type/id`). */
  readonly accepted: string[];
  /** When each of `accepted` was answered 202 (ms since the epoch), in the same order. */
  readonly acceptedAt: number[];
  /** Sends the service answered 503 or could not take (connection refused), each sent again. */
  readonly refusals: number;
  /** Resolves once `count` changes in all are accepted. */
  until(count: number, timeoutMs?: number): Promise<void>;
  /** Stops making new changes and waits until every change begun is accepted. */
  stop(): Promise<void>;
}

/** Pause between two sends of one change the service could not take, as an EPD's retry. */
const RESEND_AFTER_MS = 200;
/** Pause between new changes: a steady stream, not a flood. */
const PACE_MS = 50;

/**
 * Starts sending: each change is stored in the sandbox EPD and notified; a 503 or a refused
 * connection is sent again until the service answers 202, as a sender that keeps its event does.
 * Any other answer fails the stream.
 */
export function startChangeStream(stack: EmbeddedStack): ChangeStream {
  const accepted: string[] = [];
  const acceptedAt: number[] = [];
  let refusals = 0;
  let running = true;
  let failure: Error | undefined;
  let eventNumber = 0;
  const step = demoSteps(stack.seed)[0]!; // the medication change: its notification shape
  async function sendOne(): Promise<void> {
    const child = await freshChild(stack, 13);
    const resource = await storeInEpd(stack, medicationAgreement(child.patient, { atc: 'R03BA05' }));
    const body = notificationFor(step, resource, ++eventNumber);
    for (;;) {
      const status = await notify(stack, body).then(
        (answer) => answer.status,
        () => 0, // the connection itself failed: send again
      );
      if (status === 202) break;
      if (status !== 503 && status !== 0) throw new Error(`intake answered ${status}, not 202 or 503`);
      refusals++;
      await new Promise((resolve) => setTimeout(resolve, RESEND_AFTER_MS));
    }
    accepted.push(refOf(resource));
    acceptedAt.push(Date.now());
  }
  const loop = (async () => {
    while (running && !failure) {
      await sendOne().catch((err: Error) => (failure = err));
      await new Promise((resolve) => setTimeout(resolve, PACE_MS));
    }
  })();
  return {
    accepted,
    acceptedAt,
    get refusals() {
      return refusals;
    },
    async until(count, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (accepted.length < count) {
        if (failure) throw failure;
        if (Date.now() > deadline)
          throw new Error(`only ${accepted.length} of ${count} changes accepted in ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async stop() {
      running = false;
      await loop;
      if (failure) throw failure;
    },
  };
}
