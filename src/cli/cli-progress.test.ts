import { createProgressWriter, progressBar } from './cli-progress.js';

describe('createProgressWriter', () => {
  function setUp(interactive: boolean) {
    let nowMs = 0;
    const written: string[] = [];
    const progress = createProgressWriter({
      interactive,
      write: (t) => written.push(t),
      now: () => nowMs,
      everyMs: 5_000,
    });
    return { progress, written, at: (ms: number) => (nowMs = ms) };
  }

  it('writes whole lines in a log, the first at once and then one every few seconds', () => {
    const { progress, written, at } = setUp(false);
    progress(`replaying ${progressBar(1, 40)}`);
    at(1_000);
    progress(`replaying ${progressBar(2, 40)}`);
    at(5_000);
    progress(`replaying ${progressBar(20, 40)}`);
    at(9_999);
    progress(`replaying ${progressBar(39, 40)}`);
    at(10_000);
    progress(`replaying ${progressBar(40, 40)}`);
    progress('');
    expect(written).toEqual([
      `replaying ${progressBar(1, 40)}\n`,
      `replaying ${progressBar(20, 40)}\n`,
      `replaying ${progressBar(40, 40)}\n`,
    ]);
  });

  it('rewrites the line in place on a terminal, every time', () => {
    const { progress, written } = setUp(true);
    progress('a');
    progress('b');
    progress('');
    expect(written).toEqual(['\r\x1b[Ka', '\r\x1b[Kb', '\r\x1b[K']);
  });
});
