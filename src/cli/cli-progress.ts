/** Width of the bar in characters: fits an 80-column terminal with the counts beside it. */
const BAR_WIDTH = 30;

/** `[#########.....] 12/40` for a progress line on a terminal. */
export function progressBar(done: number, total: number): string {
  const filled = total === 0 ? BAR_WIDTH : Math.round((done / total) * BAR_WIDTH);
  return `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${done}/${total}`;
}
