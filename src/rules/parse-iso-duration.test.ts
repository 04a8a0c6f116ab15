import { parseIsoDuration } from './parse-iso-duration.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('parseIsoDuration', () => {
  it.each([
    ['PT2H', 2 * HOUR],
    ['PT10S', 10_000],
    ['PT0.5S', 500],
    ['PT1,5H', 1.5 * HOUR],
    ['PT90M', 90 * MINUTE],
    ['P30D', 30 * DAY],
    ['P2W', 14 * DAY],
    ['P1M', 30 * DAY],
    ['P1Y', 365 * DAY],
    ['P1DT12H', 1.5 * DAY],
    ['P1Y2M3DT4H5M6S', 365 * DAY + 60 * DAY + 3 * DAY + 4 * HOUR + 5 * MINUTE + 6000],
    ['PT0S', 0],
    [' P14D ', 14 * DAY],
  ])('%s → %d ms', (text, ms) => {
    expect(parseIsoDuration(text)).toBe(ms);
  });

  it.each(['', 'P', 'PT', 'P1DT', '2H', 'PT2', 'P-1D', 'PT2h', 'P1H', 'PT1D', 'P1S', 'P1.D', 'two hours', 'P1D2H'])(
    'rejects %j',
    (text) => {
      expect(parseIsoDuration(text)).toBeUndefined();
    },
  );
});
