/** Width of the bar in characters: fits an 80-column terminal with the counts beside it. */
const BAR_WIDTH = 30;

/** `[#########.....] 12/40` for a progress line on a terminal. */
export function progressBar(done: number, total: number): string {
  const filled = total === 0 ? BAR_WIDTH : Math.round((done / total) * BAR_WIDTH);
  return `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${done}/${total}`;
}

/** At most one progress line per this many ms when stderr is a file or a pipe: a CI log stays readable. */
export const LOG_PROGRESS_EVERY_MS = 5_000;

/**
 * The `progress` of the command line's io: on a terminal the line is rewritten in place; in a log
 * (not a terminal) a full line is written, the first at once and then at most one every
 * `everyMs`, so long work shows it is moving without flooding the log. An empty line ends it.
 */
export function createProgressWriter(options: {
  interactive: boolean;
  write: (text: string) => void;
  now?: () => number;
  everyMs?: number;
}): (line: string) => void {
  const now = options.now ?? Date.now;
  const everyMs = options.everyMs ?? LOG_PROGRESS_EVERY_MS;
  let lastAt: number | undefined;
  return (line) => {
    if (options.interactive) {
      options.write(`\r\x1b[K${line}`);
      return;
    }
    if (line === '') {
      lastAt = undefined; // the next piece of work starts with a line of its own
      return;
    }
    if (lastAt !== undefined && now() - lastAt < everyMs) return;
    lastAt = now();
    options.write(`${line}\n`);
  };
}
