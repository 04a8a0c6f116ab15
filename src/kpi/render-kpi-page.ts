import type { KpiSummary } from './compute-kpis.js';
import { escapeHtml } from '../shared/xhtml-narrative.js';
import { formatFigure, formatNumber, formatPercent, formatRespondents } from './format-figure.js';
import { renderFunnelSvg } from './render-funnel-svg.js';
import { renderKpiTable } from './render-kpi-table.js';
import { monthLabel, renderShareChartSvg } from './render-share-chart-svg.js';

/** Styles inline: the page is one self-contained document (no external files, no scripts). */
const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f6f7f9;color:#1d2430}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:26px;margin:0 0 4px}h2{font-size:19px;margin:28px 0 10px}
.meta{color:#4a5568;margin:0 0 16px;font-size:14px}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(190px,1fr));gap:10px}
.tile{background:#fff;border:1px solid #d9dee5;border-radius:8px;padding:12px}
.tile .label{font-size:13px;color:#4a5568}.tile .value{font-size:26px;font-weight:600;margin-top:4px}
.tile .n{font-size:12px;color:#4a5568}
.chart{background:#fff;border:1px solid #d9dee5;border-radius:8px;padding:8px;max-width:760px;display:block}
.stage-label,.axis{font-size:13px;fill:#1d2430}.bar-value{font-size:13px;fill:#1d2430;font-weight:600}.bar-value.inside{fill:#fff}
.bar{fill:#2b6cb0}.bar.stage-2{fill:#2c7a7b}.bar.stage-3{fill:#38a169}.bar.stage-4{fill:#276749}
.bar.met{fill:#38a169}.bar.below{fill:#dd6b20}.bar.suppressed{fill:#edf2f7;stroke:#718096;stroke-dasharray:4 3}
.suppressed-text{fill:#4a5568;color:#4a5568;font-style:italic;font-size:12px}
.grid{stroke:#e2e8f0}.target{stroke:#c53030;stroke-width:2;stroke-dasharray:6 4}.target-label{font-size:13px;fill:#c53030;font-weight:600}
table{border-collapse:collapse;background:#fff;font-size:13px;width:100%}
th,td{border:1px solid #d9dee5;padding:5px 7px;text-align:right}th[scope=row],thead th:first-child{text-align:left}
thead th{background:#edf2f7}.n{color:#4a5568}
dl.defs dt{font-weight:600;margin-top:8px}dl.defs dd{margin:0 0 0 12px;font-size:14px}`;

/**
 * The KPI page: server-rendered HTML with Dutch labels, the overall figures, the funnel from key
 * moment to result, the monthly share "samen beslist" against the target line, and tables per
 * month, key moment, department and decision aid. Inline SVG and CSS only: it reads the same
 * without JavaScript, printed, or saved as a file. Pure.
 */
export function renderKpiPage(summary: KpiSummary): string {
  const { settings } = summary;
  const period =
    summary.from === summary.to
      ? monthLabel(summary.from)
      : `${monthLabel(summary.from)} t/m ${monthLabel(summary.to)}`;
  const byMonth = summary.months.map((m) => ({ label: monthLabel(m.month), cell: m }));
  const rows = (list: KpiSummary['byKeyMoment']) => list.map((r) => ({ label: r.label, cell: r }));
  return `<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Gedeelde besluitvorming – kerncijfers ${escapeHtml(period)}</title><style>${STYLE}</style></head>
<body><main>
<h1>Gedeelde besluitvorming: kerncijfers</h1>
<p class="meta">Periode ${escapeHtml(period)} · berekend ${escapeHtml(dutchDateTime(summary.generatedAt, settings.timeZone))} uit het dossier ·
${escapeHtml(decidedTogetherRule(settings))} · doel ${formatNumber(settings.targetPercent)}% ·
één antwoord per patiënt per sleutelmoment · cijfers met minder dan ${settings.minRespondents} respondenten zijn onderdrukt</p>
${renderTiles(summary)}
<h2>Van sleutelmoment tot resultaat</h2>
${renderFunnelSvg(summary.overall)}
<h2>Samen beslist per maand</h2>
${renderShareChartSvg(summary)}
<h2>Per maand</h2>${renderKpiTable('per-maand', 'Maand', byMonth)}
<h2>Per sleutelmoment</h2>${renderKpiTable('per-sleutelmoment', 'Sleutelmoment', rows(summary.byKeyMoment))}
<h2>Per afdeling</h2>${renderKpiTable('per-afdeling', 'Afdeling', rows(summary.byDepartment))}
<h2>Per keuzehulp</h2>${renderKpiTable('per-keuzehulp', 'Keuzehulp', rows(summary.byDecisionAid))}
${definitions(settings)}
</main></body></html>
`;
}

function renderTiles(summary: KpiSummary): string {
  const c = summary.overall;
  const tiles: [string, string, string, string][] = [
    ['key-moments', 'Sleutelmomenten', formatNumber(c.keyMomentEvents), ''],
    ['sent', 'Uitnodigingen verstuurd', formatNumber(c.invitationsSent), ''],
    ['failed', 'Mislukt of in de wacht', formatNumber(c.invitationsFailed), ''],
    ['pending', 'Nog niet bezorgd', formatNumber(c.invitationsPending), ''],
    ['completed', 'Resultaat ontvangen', formatFigure(c.completed), ''],
    ['completion-rate', 'Respons', formatPercent(c.completionRate), formatRespondents(c.completionRate)],
    [
      'median-days',
      'Mediane doorlooptijd (dagen)',
      formatFigure(c.medianDaysToCompletion),
      formatRespondents(c.medianDaysToCompletion),
    ],
    ['sdm-q9-mean', 'SDM-Q9 gemiddeld (0–100)', formatFigure(c.sdmQ9Mean), formatRespondents(c.sdmQ9Mean)],
    [
      'decided-together',
      `Samen beslist (doel ${formatNumber(summary.settings.targetPercent)}%)`,
      formatPercent(c.decidedTogether),
      formatRespondents(c.decidedTogether),
    ],
  ];
  const html = tiles.map(
    ([id, label, value, n]) =>
      `<div class="tile" data-kpi="${id}"><div class="label">${escapeHtml(label)}</div><div class="value">${escapeHtml(value)}</div>${n ? `<div class="n">${escapeHtml(n)}</div>` : ''}</div>`,
  );
  return `<section class="tiles" aria-label="Kerncijfers">${html.join('')}</section>`;
}

/** How "decided together" is read, in words: from the SDM-Q9 threshold or the CollaboRATE top box. */
export function decidedTogetherRule(settings: KpiSummary['settings']): string {
  return settings.decidedTogether === 'sdm-q9'
    ? `samen beslist = SDM-Q9-score ${formatNumber(settings.sdmThreshold)} of hoger`
    : 'samen beslist = CollaboRATE-topscore (op alle drie de vragen 9)';
}

function definitions(settings: KpiSummary['settings']): string {
  const minimum = settings.minRespondents;
  return `<h2>Wat de cijfers betekenen</h2><dl class="defs">
<dt>Sleutelmomenten</dt><dd>Verschillende EPD-gebeurtenissen (medicatieafspraak, behandelplan, afgerond bezoek) die tot minstens één uitnodiging leidden.</dd>
<dt>Verstuurd / mislukt</dt><dd>Uitnodigingstaken in het EPD; mislukt = mislukt, geweigerd of in de wacht (ontvanger niet bereikbaar). Een uitnodiging telt in de maand waarin zij is verstuurd.</dd>
<dt>Resultaat ontvangen en respons</dt><dd>Taak afgerond met een ingevulde vragenlijst; respons = afgerond gedeeld door verstuurd.</dd>
<dt>Mediane doorlooptijd</dt><dd>Dagen van uitnodiging tot invullen (of tot afronden van de taak).</dd>
<dt>Eén antwoord per patiënt</dt><dd>SDM-Q9 en samen beslist tellen patiënten, niet invullers: per patiënt per sleutelmoment telt één antwoord, dat van de patiënt zelf (vanaf 12 jaar, als die het invulde), anders dat van een ouder (wie het eerst invulde). n = aantal antwoorden zo geteld, met het aantal verschillende patiënten erachter.</dd>
<dt>SDM-Q9 en samen beslist</dt><dd>Gemiddelde SDM-Q9-totaalscore (0–100); ${escapeHtml(decidedTogetherRule(settings))}.</dd>
<dt>Onderdrukt</dt><dd>Bij minder dan ${minimum} respondenten wordt een cijfer niet getoond, zodat niemand herkenbaar is; het betekent niet 0. Is in een uitsplitsing maar één cijfer onderdrukt, dan wordt ook het kleinste andere onderdrukt, zodat het niet uit het totaal is af te leiden.</dd>
<dt>Bandbreedte</dt><dd>Een aandeel van 0% of 100% bij minder dan 20 respondenten staat er als bandbreedte (bijvoorbeeld 80–100%): anders zou vaststaan wat ieder antwoordde.</dd>
</dl>`;
}

function dutchDateTime(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat('nl-NL', { dateStyle: 'long', timeStyle: 'short', timeZone }).format(new Date(iso));
}
