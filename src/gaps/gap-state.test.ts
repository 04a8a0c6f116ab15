import { observeGap, settleGap, type GapObservation, type GapState } from './gap-state.js';

const at = (n: number) => n * 1000;
const events = (numbers: number[], atMs: number): GapObservation => ({ numbers, atMs });

/** Feeds observations in order and returns the last step. */
function feed(observations: GapObservation[], start?: GapState) {
  let state = start;
  let missingFrom: number | undefined;
  for (const obs of observations) {
    const step = observeGap(state, obs);
    state = step.state ?? state;
    missingFrom = step.missingFrom;
  }
  return { state, missingFrom };
}

describe('observeGap', () => {
  it.each([
    [
      '1, 2, 3: no hole',
      [events([1], at(1)), events([2], at(2)), events([3], at(3))],
      { upTo: 3, upToAt: at(3), known: 3, ahead: [] },
      undefined,
    ],
    [
      '1, 2, 4: 3 is missing',
      [events([1], at(1)), events([2], at(2)), events([4], at(4))],
      { upTo: 2, upToAt: at(2), known: 4, ahead: [4] },
      3,
    ],
    [
      '1, 2, 4, 3: closed late',
      [events([1], at(1)), events([2], at(2)), events([4], at(4)), events([3], at(5))],
      { upTo: 4, upToAt: at(5), known: 4, ahead: [] },
      undefined,
    ],
    [
      'a redelivery of 2 changes nothing',
      [events([1, 2], at(1)), events([2], at(2))],
      { upTo: 2, upToAt: at(1), known: 2, ahead: [] },
      undefined,
    ],
    [
      'first sight at 57: what came before is not a hole',
      [events([57], at(1))],
      { upTo: 57, upToAt: at(1), known: 57, ahead: [] },
      undefined,
    ],
    [
      'a heartbeat announcing more than came',
      [events([1], at(1)), { numbers: [], count: 3, atMs: at(2) }],
      { upTo: 1, upToAt: at(1), known: 3, ahead: [] },
      2,
    ],
    [
      'a handshake restarts the count',
      [events([7], at(1)), { numbers: [], count: 0, reset: true, atMs: at(2) }, events([1], at(3))],
      { upTo: 1, upToAt: at(3), known: 1, ahead: [] },
      undefined,
    ],
  ])('%s', (_title, observations, state, missingFrom) => {
    expect(feed(observations)).toEqual({ state, missingFrom });
  });

  it('knows nothing of a subscription whose first notification carries no number', () => {
    expect(observeGap(undefined, { numbers: [], atMs: 1 })).toEqual({});
  });
});

describe('settleGap', () => {
  it('counts every number up to the covered one as handled and keeps later ones', () => {
    const state: GapState = { upTo: 2, upToAt: at(2), known: 6, ahead: [4, 6, 8] };
    expect(settleGap(state, 6, at(9))).toEqual({ upTo: 6, upToAt: at(9), known: 6, ahead: [8] });
  });
});
