// Jest orders test files by their last run time, and by file size when it has none (a fresh clone,
// as on CI). File size says little here: the chaos run is a short file that runs for a minute. With
// two workers, a long file started last keeps one worker busy alone at the end. So, without timings,
// the files known to be long go first, then the other integration files, then the unit files.
import Sequencer from '@jest/test-sequencer';

/** The longest files (seconds on the 2-core machine, from a run's report), longest first. */
const KNOWN_LONG = [
  'test/faults/chaos.int.test.ts',
  'test/e2e/polling.int.test.ts',
  'test/faults/sigterm.int.test.ts',
  'test/faults/epd-faults.int.test.ts',
  'test/faults/redis-restart.int.test.ts',
  'test/security/hostile-input.int.test.ts',
  'test/faults/worker-kill.int.test.ts',
];

function estimate(path) {
  const known = KNOWN_LONG.findIndex((suffix) => path.endsWith(suffix));
  if (known >= 0) return 1000 - known;
  return path.endsWith('.int.test.ts') ? 10 : 1;
}

class SlowFirstSequencer extends Sequencer {
  sort(tests) {
    const sorted = super.sort(tests);
    const timed = sorted.filter((test) => test.duration != null);
    const untimed = sorted.filter((test) => test.duration == null);
    // Stable: equal estimates keep the default order (file size).
    untimed.sort((a, b) => estimate(b.path) - estimate(a.path));
    return [...timed, ...untimed].sort((a, b) => Number(this.hasFailed(b)) - Number(this.hasFailed(a)));
  }
}

export default SlowFirstSequencer;
