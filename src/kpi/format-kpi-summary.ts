import type { KpiRow, KpiSummary } from './compute-kpis.js';
import { decidedTogetherRule } from './render-kpi-page.js';
import { formatFigure, formatPercent, formatRespondents } from './format-figure.js';
import type { KpiCell } from './summarise-cell.js';

/**
 * The KPI summary as lines for a terminal (`sdm-bridge kpi`, the end of the demo): the overall
 * figures, then one line per key moment, department and decision aid. Pure.
 */
export function formatKpiSummary(summary: KpiSummary): string[] {
  const { settings } = summary;
  const period = summary.from === summary.to ? summary.from : `${summary.from} t/m ${summary.to}`;
  return [
    `KPI gedeelde besluitvorming ${period} (uit het dossier; ${decidedTogetherRule(settings)}, één antwoord per patiënt per sleutelmoment, doel ${settings.targetPercent}%, onderdrukt bij n < ${settings.minRespondents})`,
    ...cellLines(summary.overall, '  '),
    ...section('per sleutelmoment', summary.byKeyMoment),
    ...section('per afdeling', summary.byDepartment),
    ...section('per keuzehulp', summary.byDecisionAid),
  ];
}

function section(title: string, rows: readonly KpiRow[]): string[] {
  return rows.length ? [`  ${title}:`, ...rows.map((row) => `    ${row.label}: ${oneLine(row)}`)] : [];
}

function cellLines(c: KpiCell, indent: string): string[] {
  return [
    `${indent}sleutelmomenten ${c.keyMomentEvents} → uitnodigingen verstuurd ${c.invitationsSent} (mislukt ${c.invitationsFailed}, nog niet bezorgd ${c.invitationsPending}) → resultaat ontvangen ${formatFigure(c.completed)}`,
    `${indent}respons ${withN(formatPercent(c.completionRate), c.completionRate)}; mediane doorlooptijd ${withN(formatFigure(c.medianDaysToCompletion), c.medianDaysToCompletion, ' dagen')}`,
    `${indent}SDM-Q9 gemiddeld ${withN(formatFigure(c.sdmQ9Mean), c.sdmQ9Mean)}; samen beslist ${withN(formatPercent(c.decidedTogether), c.decidedTogether)}${target(c)}`,
  ];
}

function oneLine(c: KpiCell): string {
  return `sleutelmomenten ${c.keyMomentEvents}, verstuurd ${c.invitationsSent}, mislukt ${c.invitationsFailed}, nog niet bezorgd ${c.invitationsPending}, afgerond ${formatFigure(c.completed)}, SDM-Q9 ${formatFigure(c.sdmQ9Mean)}, samen beslist ${withN(formatPercent(c.decidedTogether), c.decidedTogether)}`;
}

function withN(text: string, figure: KpiCell['completed'], unit = ''): string {
  const n = formatRespondents(figure);
  return figure.suppressed ? text : `${text}${unit} (${n})`;
}

function target(c: KpiCell): string {
  if (c.meetsTarget === null) return '';
  return c.meetsTarget ? ' — doel gehaald' : ' — doel niet gehaald';
}
