/**
 * What the service knows of one subscription's event numbers (`events-since-subscription-start`):
 * every number up to `upTo` arrived (or was recovered), `ahead` holds numbers that arrived past a
 * hole, `known` is the highest number the server announced (an event or a heartbeat's count).
 */
export interface GapState {
  upTo: number;
  /** Epoch ms when `upTo` last moved: the changes of a later missing number happened after this. */
  upToAt: number;
  known: number;
  ahead: number[];
}

/** What one notification says about numbers. */
export interface GapObservation {
  numbers: readonly number[];
  /** `events-since-subscription-start` of the status, when sent. */
  count?: number;
  /** A handshake: the subscription (re)starts counting here. */
  reset?: boolean;
  atMs: number;
}

/** The state after a notification, and the first missing number when there is a hole. */
export interface GapStep {
  state?: GapState;
  missingFrom?: number;
}

/**
 * Applies one notification. The first notification of an unknown subscription starts the count
 * just below its lowest number (what came before is the sweep's to find); numbers at or below
 * `upTo` are redeliveries and change nothing. Mirrors the Lua script of the Redis tracker.
 */
export function observeGap(previous: GapState | undefined, obs: GapObservation): GapStep {
  if (obs.reset) {
    const start = obs.count ?? 0;
    return { state: { upTo: start, upToAt: obs.atMs, known: start, ahead: [] } };
  }
  const lowest = obs.numbers.length ? Math.min(...obs.numbers) : undefined;
  let state: GapState;
  if (previous) state = { ...previous, ahead: [...previous.ahead] };
  else if (lowest !== undefined) state = { upTo: lowest - 1, upToAt: obs.atMs, known: lowest - 1, ahead: [] };
  else if (obs.count !== undefined) state = { upTo: obs.count, upToAt: obs.atMs, known: obs.count, ahead: [] };
  else return {};
  state.known = Math.max(state.known, obs.count ?? 0, ...obs.numbers);
  for (const n of obs.numbers) if (n > state.upTo && !state.ahead.includes(n)) state.ahead.push(n);
  advance(state, obs.atMs);
  return state.known > state.upTo ? { state, missingFrom: state.upTo + 1 } : { state };
}

/** After a recovery read: every number up to `coveredUpTo` counts as handled. */
export function settleGap(previous: GapState, coveredUpTo: number, atMs: number): GapState {
  const state: GapState = { ...previous, upTo: Math.max(previous.upTo, coveredUpTo), upToAt: atMs };
  state.ahead = previous.ahead.filter((n) => n > state.upTo);
  advance(state, atMs);
  return state;
}

function advance(state: GapState, atMs: number): void {
  state.ahead.sort((a, b) => a - b);
  while (state.ahead[0] === state.upTo + 1) {
    state.ahead.shift();
    state.upTo += 1;
    state.upToAt = atMs;
  }
}
