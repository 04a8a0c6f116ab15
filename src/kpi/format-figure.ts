import { MIN_RESPONDENTS } from './kpi-codes.js';
import type { Figure } from './summarise-cell.js';

/** How a suppressed figure reads, on the page and in text: withheld, never 0. */
export const SUPPRESSED_TEXT = `onderdrukt (n < ${MIN_RESPONDENTS})`;

/** A number the Dutch way: decimal comma, at most one decimal (72,5; 12). */
export function formatNumber(value: number): string {
  return new Intl.NumberFormat('nl-NL', { maximumFractionDigits: 1 }).format(value);
}

/** A figure as text: its value, or that it is suppressed. */
export function formatFigure(figure: Figure): string {
  return figure.suppressed ? SUPPRESSED_TEXT : formatNumber(figure.value);
}

/** A percentage figure as text (`72,5%`), or that it is suppressed. */
export function formatPercent(figure: Figure): string {
  return figure.suppressed ? SUPPRESSED_TEXT : `${formatNumber(figure.value)}%`;
}

/** The respondents behind a figure (`n = 12`), or nothing for a suppressed one (its count is withheld too). */
export function formatRespondents(figure: Figure): string {
  return figure.suppressed ? '' : `n = ${figure.respondents}`;
}
