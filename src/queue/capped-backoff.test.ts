import type { BackoffStrategy } from 'bullmq';
import { cappedBackoff } from './capped-backoff.js';

const fixed =
  (ms: number): BackoffStrategy =>
  () =>
    ms;
const retryAfter = (ms: number) => Object.assign(new Error('busy'), { retryAfterMs: ms });

describe('cappedBackoff', () => {
  it.each([
    { wait: 800, cap: 0, err: undefined, min: 800, max: 800, why: 'no cap' },
    { wait: 800, cap: 1000, err: undefined, min: 800, max: 800, why: 'below the cap' },
    { wait: 60_000, cap: 1000, err: undefined, min: 500, max: 1000, why: 'capped, with jitter' },
    { wait: 60_000, cap: 1000, err: retryAfter(5000), min: 5000, max: 5000, why: 'Retry-After wins over the cap' },
    { wait: 200, cap: 1000, err: retryAfter(300), min: 300, max: 300, why: 'Retry-After wins over a short wait' },
  ])('$why', ({ wait, cap, err, min, max }) => {
    const strategy = cappedBackoff(fixed(wait), cap);
    for (let i = 0; i < 50; i++) {
      const ms = Number(strategy(3, 'x', err));
      expect(ms).toBeGreaterThanOrEqual(min);
      expect(ms).toBeLessThanOrEqual(max);
    }
  });
});
