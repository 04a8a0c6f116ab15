import type { KpiSummary } from './compute-kpis.js';
import { escapeHtml } from '../shared/xhtml-narrative.js';
import { formatNumber, formatPercent } from './format-figure.js';
import type { Month } from './month-period.js';

/** Drawing sizes in SVG user units; the SVG scales to the page width. */
const WIDTH = 720;
const HEIGHT = 300;
const LEFT = 44;
const RIGHT = 76; // room for the target's label beside the plot, where no bar can cover it
const TOP = 16;
const BOTTOM = 44;
const PLOT_HEIGHT = HEIGHT - TOP - BOTTOM;
/** Gridlines every 25%: the target line (75% by default) then sits on or between them. */
const GRID = [0, 25, 50, 75, 100];

/**
 * The monthly share "samen beslist" as inline SVG bars against the target line. A month whose
 * share is suppressed shows a marker, not an empty bar, so it never reads as 0%; a month without
 * invitations says so. Green bars reach the target, orange ones do not.
 */
export function renderShareChartSvg(summary: KpiSummary): string {
  const months = summary.months;
  const slot = (WIDTH - LEFT - RIGHT) / Math.max(1, months.length);
  const y = (percent: number) => TOP + PLOT_HEIGHT - (PLOT_HEIGHT * percent) / 100;
  const grid = GRID.map(
    (p) =>
      `<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${y(p)}" y2="${y(p)}" class="grid"/><text x="${LEFT - 6}" y="${y(p) + 4}" text-anchor="end" class="axis">${p}%</text>`,
  ).join('');
  const bars = months.map((m, i) => renderMonth(m, LEFT + i * slot, slot, y, summary.settings.targetPercent)).join('');
  const target = summary.settings.targetPercent;
  const targetLine =
    `<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${y(target)}" y2="${y(target)}" class="target"/>` +
    `<text x="${WIDTH - RIGHT + 6}" y="${y(target) + 4}" text-anchor="start" class="target-label">doel ${formatNumber(target)}%</text>`;
  const described = months
    .map(
      (m) =>
        `${monthLabel(m.month)}: ${m.decidedTogether.suppressed ? 'onderdrukt' : formatPercent(m.decidedTogether)}`,
    )
    .join('; ');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="100%" role="img" aria-labelledby="share-title" class="chart share">` +
    `<title id="share-title">Aandeel samen beslist per maand, doel ${formatNumber(target)}%: ${escapeHtml(described)}</title>` +
    `${grid}${bars}${targetLine}</svg>`
  );
}

function renderMonth(
  m: KpiSummary['months'][number],
  x: number,
  slot: number,
  y: (p: number) => number,
  target: number,
): string {
  const barWidth = Math.min(40, slot * 0.6);
  const centre = x + slot / 2;
  const label = `<text x="${centre}" y="${HEIGHT - BOTTOM + 18}" text-anchor="middle" class="axis">${escapeHtml(monthLabel(m.month))}</text>`;
  const share = m.decidedTogether;
  if (share.suppressed) {
    const none = m.invitationsSent + m.invitationsFailed === 0;
    return `${label}<text x="${centre}" y="${y(0) - 6}" text-anchor="middle" class="${none ? 'axis' : 'suppressed-text'}">${none ? 'geen' : 'n&lt;5'}</text>`;
  }
  // A band is drawn to its lower end: the share is at least that.
  const shown = 'value' in share ? share.value : share.band.low;
  const top = y(shown);
  const cls = shown >= target ? 'bar met' : 'bar below';
  return (
    `${label}<rect x="${centre - barWidth / 2}" y="${top}" width="${barWidth}" height="${y(0) - top}" class="${cls}"/>` +
    `<text x="${centre}" y="${top - 5}" text-anchor="middle" class="bar-value">${escapeHtml(formatPercent(share))}</text>`
  );
}

/** `okt 26`: short Dutch month and year. */
export function monthLabel(month: Month): string {
  const date = new Date(`${month}-15T12:00:00Z`);
  const name = new Intl.DateTimeFormat('nl-NL', { month: 'short', timeZone: 'UTC' }).format(date).replace('.', '');
  return `${name} ${month.slice(2, 4)}`;
}
