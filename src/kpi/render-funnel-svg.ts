import { hasValue, type KpiCell } from './summarise-cell.js';
import { escapeHtml } from '../shared/xhtml-narrative.js';
import { formatNumber, SUPPRESSED_TEXT } from './format-figure.js';

/** One bar of the funnel: its Dutch label and its count, or null when suppressed. */
interface Stage {
  label: string;
  value: number | null;
}

/** Drawing sizes in SVG user units; the SVG scales to the page width. */
const WIDTH = 720;
const LABEL_WIDTH = 210;
const BAR_HEIGHT = 34;
const GAP = 12;
const BAR_AREA = WIDTH - LABEL_WIDTH - 20;

/** The funnel's stages, from the key moments to the answers that say "decided together". */
export function funnelStages(cell: KpiCell): Stage[] {
  const respondents = cell.sdmQ9Mean.suppressed ? null : cell.sdmQ9Mean.respondents;
  return [
    { label: 'Sleutelmomenten', value: cell.keyMomentEvents },
    { label: 'Uitnodigingen verstuurd', value: cell.invitationsSent },
    { label: 'Resultaat ontvangen', value: hasValue(cell.completed) ? cell.completed.value : null },
    { label: 'SDM-Q9 ingevuld', value: respondents },
    { label: 'Samen beslist', value: hasValue(cell.decidedTogether) ? (cell.decidedTogether.numerator ?? 0) : null },
  ];
}

/**
 * The funnel as inline SVG: one centred bar per stage, its width in proportion to the largest
 * count, the count written beside it. A suppressed stage is an outlined bar marked as withheld,
 * so it never reads as zero. Readable without JavaScript or external files.
 */
export function renderFunnelSvg(cell: KpiCell): string {
  const stages = funnelStages(cell);
  const largest = Math.max(1, ...stages.map((s) => s.value ?? 0));
  const height = stages.length * (BAR_HEIGHT + GAP);
  const rows = stages.map((stage, i) => renderStage(stage, i, largest)).join('');
  const summary = stages
    .map((s) => `${s.label}: ${s.value === null ? SUPPRESSED_TEXT : formatNumber(s.value)}`)
    .join('; ');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${height}" width="100%" role="img" aria-labelledby="funnel-title" class="chart funnel">` +
    `<title id="funnel-title">Trechter: ${escapeHtml(summary)}</title>${rows}</svg>`
  );
}

function renderStage(stage: Stage, index: number, largest: number): string {
  const y = index * (BAR_HEIGHT + GAP);
  const middle = LABEL_WIDTH + BAR_AREA / 2;
  const label = `<text x="0" y="${y + BAR_HEIGHT / 2 + 5}" class="stage-label">${escapeHtml(stage.label)}</text>`;
  if (stage.value === null) {
    const w = BAR_AREA * 0.3;
    return (
      `${label}<rect x="${middle - w / 2}" y="${y}" width="${w}" height="${BAR_HEIGHT}" class="bar suppressed" rx="4"/>` +
      `<text x="${middle}" y="${y + BAR_HEIGHT / 2 + 5}" text-anchor="middle" class="bar-value suppressed-text">${escapeHtml(SUPPRESSED_TEXT)}</text>`
    );
  }
  const w = Math.max(2, (BAR_AREA * stage.value) / largest);
  const inside = w > 60;
  const valueX = inside ? middle : middle + w / 2 + 8;
  return (
    `${label}<rect x="${middle - w / 2}" y="${y}" width="${w}" height="${BAR_HEIGHT}" class="bar stage-${index}" rx="4"/>` +
    `<text x="${valueX}" y="${y + BAR_HEIGHT / 2 + 5}" text-anchor="${inside ? 'middle' : 'start'}" class="bar-value${inside ? ' inside' : ''}">${formatNumber(stage.value)}</text>`
  );
}
