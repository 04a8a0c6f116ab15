import { escapeHtml } from '../shared/xhtml-narrative.js';
import { formatFigure, formatNumber, formatPercent, formatRespondents } from './format-figure.js';
import type { Figure, KpiCell } from './summarise-cell.js';

/** One row of a table: its first column and its figures. */
export interface TableRow {
  label: string;
  cell: KpiCell;
}

/** How a column shows a figure: its value with unit, and (for the derived ones) the respondents behind it. */
type Show = (figure: Figure) => string;
const plain: Show = (f) => (f.suppressed ? SUPPRESSED : escapeHtml(formatFigure(f)));
const percent: Show = (f) => (f.suppressed ? SUPPRESSED : escapeHtml(formatPercent(f)));
const withN =
  (show: Show): Show =>
  (f) =>
    f.suppressed
      ? SUPPRESSED
      : `${show(f)} <span class="n">(${escapeHtml(formatRespondents(f)).replace(/ /g, '&nbsp;')})</span>`;
/** Short in a table cell; the page's footnote says it means fewer than five respondents. */
const SUPPRESSED = '<span class="suppressed-text">onderdrukt</span>';
/** A row without any invitation has nothing to suppress: its figures are simply absent. */
const NONE = '–';

/** The columns, their Dutch headings and how each reads a cell. */
const COLUMNS: readonly { heading: string; value: (c: KpiCell) => string; derived?: boolean }[] = [
  { heading: 'Sleutelmomenten', value: (c) => formatNumber(c.keyMomentEvents) },
  { heading: 'Verstuurd', value: (c) => formatNumber(c.invitationsSent) },
  { heading: 'Mislukt', value: (c) => formatNumber(c.invitationsFailed) },
  { heading: 'Nog niet bezorgd', value: (c) => formatNumber(c.invitationsPending) },
  { heading: 'Afgerond', value: (c) => plain(c.completed), derived: true },
  { heading: 'Respons', value: (c) => percent(c.completionRate), derived: true },
  { heading: 'Mediane doorlooptijd (dagen)', value: (c) => withN(plain)(c.medianDaysToCompletion), derived: true },
  { heading: 'SDM-Q9 gemiddeld', value: (c) => withN(plain)(c.sdmQ9Mean), derived: true },
  { heading: 'Samen beslist', value: (c) => withN(percent)(c.decidedTogether), derived: true },
  {
    heading: 'Doel gehaald',
    value: (c) => (c.meetsTarget === null ? NONE : c.meetsTarget ? 'ja' : 'nee'),
    derived: true,
  },
];

/** A table of cells with a heading for the first column; an empty list says there is nothing yet. */
export function renderKpiTable(id: string, firstHeading: string, rows: readonly TableRow[]): string {
  if (!rows.length) return `<p class="empty" id="${escapeHtml(id)}">Nog geen uitnodigingen in deze periode.</p>`;
  const head = `<tr><th scope="col">${escapeHtml(firstHeading)}</th>${COLUMNS.map((c) => `<th scope="col">${escapeHtml(c.heading)}</th>`).join('')}</tr>`;
  const body = rows
    .map(
      (row) =>
        `<tr><th scope="row">${escapeHtml(row.label)}</th>${COLUMNS.map((c) => `<td>${cellValue(c, row.cell)}</td>`).join('')}</tr>`,
    )
    .join('');
  return `<table id="${escapeHtml(id)}"><thead>${head}</thead><tbody>${body}</tbody></table>`;
}

function cellValue(column: (typeof COLUMNS)[number], cell: KpiCell): string {
  const empty = cell.invitationsSent + cell.invitationsFailed + cell.invitationsPending === 0;
  return column.derived && empty ? NONE : column.value(cell);
}
