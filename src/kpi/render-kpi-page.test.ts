import { computeKpis } from './compute-kpis.js';
import type { KpiRecord } from './kpi-record.js';
import { renderFunnelSvg, funnelStages } from './render-funnel-svg.js';
import { renderKpiPage } from './render-kpi-page.js';
import { monthLabel, renderShareChartSvg } from './render-share-chart-svg.js';

const SETTINGS = {
  decidedTogether: 'sdm-q9' as const,
  sdmThreshold: 80,
  targetPercent: 75,
  timeZone: 'Europe/Amsterdam',
};
let n = 0;
function rec(month: string, extra: Partial<KpiRecord> = {}): KpiRecord {
  n += 1;
  return {
    task: `Task/t${n}`,
    patient: `Patient/p${n}`,
    respondent: 'patient',
    month,
    keyMoment: { key: 'evaluation', label: 'evaluatie' },
    department: { key: 'Organization/x', label: 'Kinder<longziekten> & "co"' },
    decisionAid: { key: 'https://aid|1', label: 'Keuzehulp' },
    trigger: `Encounter/e${n}`,
    state: 'sent',
    completed: false,
    ...extra,
  };
}
const answered = (month: string, score: number) => rec(month, { completed: true, daysToCompletion: 3, sdmQ9: score });
const records = [
  ...[90, 90, 90, 90, 60, 60].map((s) => answered('2026-09', s)), // 66,7%: below the target
  ...[90, 90, 90, 90, 90].map((s) => answered('2026-10', s)), // 100% of 5: the band 80–100%
  answered('2026-11', 90),
  rec('2026-11'), // one answer: suppressed
  answered('2026-12', 90), // suppressed too, so neither can be derived from the total
];
const summary = computeKpis(records, { from: '2026-08', to: '2026-12', generatedAt: '2026-12-20T10:00:00Z' }, SETTINGS);

describe('the KPI page', () => {
  const html = renderKpiPage(summary);

  it('is one Dutch HTML document without scripts or external files', () => {
    expect(html).toMatch(/^<!doctype html>\n<html lang="nl">/);
    expect(html).not.toMatch(/<script|<link|src=|@import/i);
    expect(html).toContain('Gedeelde besluitvorming: kerncijfers');
    expect(html).toContain('Periode aug 26 t/m dec 26');
  });

  it('shows n patients behind "decided together" and states the one-answer-per-patient rule', () => {
    const tile = html.slice(html.indexOf('data-kpi="decided-together"'));
    expect(tile.slice(0, tile.indexOf('</div></div>') + 12)).toContain('n = 13, 13 patiënten');
    expect(html).toContain('één antwoord per patiënt per sleutelmoment');
    expect(html).toContain('dat van de patiënt zelf (vanaf 12 jaar');
  });

  it('escapes what comes from the EPD', () => {
    expect(html).toContain('Kinder&#60;longziekten&#62; &#38; &#34;co&#34;');
    expect(html).not.toContain('<longziekten>');
  });

  it('shows suppressed figures as suppressed, never as 0', () => {
    const november = html.slice(html.indexOf('<th scope="row">nov 26</th>'));
    const row = november.slice(0, november.indexOf('</tr>'));
    expect(row).toContain('<span class="suppressed-text">onderdrukt</span>');
    expect(row).not.toMatch(/<td>0%<\/td>/);
    const august = html.slice(html.indexOf('<th scope="row">aug 26</th>'));
    expect(august.slice(0, august.indexOf('</tr>'))).not.toContain('onderdrukt'); // no invitations: nothing to suppress
    expect(html).toContain('<dt>Onderdrukt</dt>');
  });

  it('draws the share per month against the target line, marking suppressed and empty months', () => {
    const svg = renderShareChartSvg(summary);
    expect(svg).toContain('doel 75%');
    expect(svg).toContain('66,7%');
    expect(svg).toContain('80–100%');
    expect(svg).toContain('class="bar below"');
    expect(svg).toContain('class="bar met"');
    expect(svg).toContain('n&lt;5'); // november
    expect(svg).toContain('>geen<'); // august
  });

  it('draws the funnel from key moments to decided together', () => {
    expect(funnelStages(summary.overall).map((s) => [s.label, s.value])).toEqual([
      ['Sleutelmomenten', 14],
      ['Uitnodigingen verstuurd', 14],
      ['Resultaat ontvangen', 13],
      ['SDM-Q9 ingevuld', 13],
      ['Samen beslist', 11],
    ]);
    const funnel = renderFunnelSvg(
      computeKpis(
        [answered('2026-10', 90), rec('2026-10')],
        { from: '2026-10', to: '2026-10', generatedAt: '2026-11-01T00:00:00Z' },
        SETTINGS,
      ).overall,
    );
    expect(funnel).toContain('class="bar suppressed"');
    expect(funnel).toContain('onderdrukt (n &#60; 5)');
  });

  it.each([
    ['2026-01', 'jan 26'],
    ['2026-03', 'mrt 26'],
    ['2026-10', 'okt 26'],
  ])('labels %s as %s', (month, label) => {
    expect(monthLabel(month)).toBe(label);
  });
});
