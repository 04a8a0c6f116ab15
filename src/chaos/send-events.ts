import type { ChaosSource, PlannedSend } from './chaos-bodies.js';

/** What the sender saw: every send ends accepted, or the run reports what refused it. */
export interface SendReport {
  accepted: number;
  /** 503 answers (queue unavailable) that were sent again, as an EPD does. */
  unavailable: number;
  /** Connections that failed and were tried again. */
  networkErrors: number;
  /** Answers that were neither 2xx nor 503: a bad body, or a bug; the run fails on any. */
  refused: { status: number; shape: string }[];
}

/** Options of `sendEvents`. */
export interface SendOptions {
  url: string;
  /** The bearer token of each intake source. */
  tokens: Readonly<Record<ChaosSource, string>>;
  /** Sends per second: an EPD spreads its events over time, so faults land while intake is busy. */
  ratePerSecond: number;
  /** Requests in flight at most. */
  concurrency: number;
  /** Told after each accepted send (for fault triggers). */
  onAccepted?: (accepted: number) => void;
}

/** Longest wait before sending a refused body again; a 503 asks for 5 s, which would only make the run slower. */
const MAX_RESEND_WAIT_MS = 1_000;
/** Wait before sending again after a connection error. */
const NETWORK_RETRY_MS = 250;

/**
 * Sends every planned body to the intake route at a steady rate, as an EPD does: a 503 or a failed
 * connection is sent again until the service takes it (2xx); anything else is recorded as refused.
 */
export async function sendEvents(sends: readonly PlannedSend[], options: SendOptions): Promise<SendReport> {
  const report: SendReport = { accepted: 0, unavailable: 0, networkErrors: 0, refused: [] };
  const started = Date.now();
  const inFlight = new Set<Promise<void>>();
  for (const [index, send] of sends.entries()) {
    const due = started + (index * 1000) / options.ratePerSecond;
    if (due > Date.now()) await sleep(due - Date.now());
    while (inFlight.size >= options.concurrency) await Promise.race(inFlight);
    const sending = deliver(send, options, report).finally(() => inFlight.delete(sending));
    inFlight.add(sending);
  }
  await Promise.all(inFlight);
  return report;
}

async function deliver(send: PlannedSend, options: SendOptions, report: SendReport): Promise<void> {
  const body = JSON.stringify(send.body);
  for (;;) {
    let res: Response;
    try {
      res = await fetch(options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/fhir+json', authorization: `Bearer ${options.tokens[send.source]}` },
        body,
      });
      await res.arrayBuffer();
    } catch {
      report.networkErrors++;
      await sleep(NETWORK_RETRY_MS);
      continue;
    }
    if (res.ok) {
      report.accepted++;
      options.onAccepted?.(report.accepted);
      return;
    }
    if (res.status !== 503) {
      report.refused.push({ status: res.status, shape: send.shape });
      return;
    }
    report.unavailable++;
    const retryAfterMs = Number(res.headers.get('retry-after') ?? 1) * 1000;
    await sleep(Math.min(retryAfterMs, MAX_RESEND_WAIT_MS));
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
