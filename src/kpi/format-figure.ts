import { MIN_RESPONDENTS } from './kpi-codes.js';
import type { Figure } from './summarise-cell.js';

/** How a suppressed figure reads, on the page and in text: withheld, never 0. */
export const SUPPRESSED_TEXT = `onderdrukt (n < ${MIN_RESPONDENTS})`;

/** A number the Dutch way: decimal comma, at most one decimal (72,5; 12). */
export function formatNumber(value: number): string {
  return new Intl.NumberFormat('nl-NL', { maximumFractionDigits: 1 }).format(value);
}

/** A figure as text: its value (or band), or that it is suppressed. */
export function formatFigure(figure: Figure): string {
  if (figure.suppressed) return SUPPRESSED_TEXT;
  return 'value' in figure ? formatNumber(figure.value) : formatBand(figure.band, '');
}

/** A percentage figure as text (`72,5%`, or a band `80–100%`), or that it is suppressed. */
export function formatPercent(figure: Figure): string {
  if (figure.suppressed) return SUPPRESSED_TEXT;
  return 'value' in figure ? `${formatNumber(figure.value)}%` : formatBand(figure.band, '%');
}

/** A band of a share (`80–100%`): 0% or 100% from few respondents would tell each one's answer. */
export function formatBand(band: { low: number; high: number }, unit: string): string {
  return `${formatNumber(band.low)}–${formatNumber(band.high)}${unit}`;
}

/** The respondents behind a figure (`n = 12`, or `n = 12, 10 patiënten`), or nothing for a suppressed one (its count is withheld too). */
export function formatRespondents(figure: Figure): string {
  if (figure.suppressed) return '';
  return figure.patients === undefined
    ? `n = ${figure.respondents}`
    : `n = ${figure.respondents}, ${figure.patients} ${figure.patients === 1 ? 'patiënt' : 'patiënten'}`;
}
