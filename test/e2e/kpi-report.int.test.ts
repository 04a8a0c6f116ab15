import { mkdir, stat } from 'node:fs/promises';
import { chromium, type Browser } from 'playwright-core';
import { monthLabel as monthName } from '../../src/kpi/render-share-chart-svg.js';
import { type EmbeddedStack } from '../../src/sandbox/start-stack.js';
import {
  expectedFrom,
  expectedMonthShares,
  fixtureMonths,
  kpiFixturePlan,
  storeKpiFixture,
} from '../fixtures/kpi/kpi-fixtures.js';
import { startTestStack } from '../helpers/embedded.js';

/** Debian's browser; nothing is downloaded (.ci/run installs the package when it is missing). */
const CHROMIUM = '/usr/bin/chromium';
/** Headless, and nothing that reaches beyond loopback. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** The screenshot kept as a test artifact (test-output/ is not in git). */
const SCREENSHOT = 'test-output/kpi-report.png';
const ADMIN_TOKEN = 'kpi-report-admin-token-0123456789';
/** Starting a browser on a busy two-core machine takes seconds. */
const BROWSER_TIMEOUT_MS = 90_000;

const dutch = (value: number) => new Intl.NumberFormat('nl-NL', { maximumFractionDigits: 1 }).format(value);

/**
 * The KPI page as a person sees it: rendered by a real headless Chromium with JavaScript switched
 * off (the page must not need it), logged in the way a browser does (Basic auth with the admin
 * token), with a screenshot saved, and the visible figures checked against the fixture record.
 */
describe('the KPI page in a real browser', () => {
  let stack: EmbeddedStack;
  let browser: Browser | undefined;
  const months = fixtureMonths();
  const plan = kpiFixturePlan(months);
  beforeAll(async () => {
    stack = await startTestStack({ env: { ADMIN_TOKEN } });
    await storeKpiFixture(stack.fhir.repo, plan);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  }, 60_000);

  it(
    'shows the figures, the funnel and the monthly share against the target; screenshot in test-output/',
    async () => {
      try {
        browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: BROWSER_TIMEOUT_MS });
      } catch (err) {
        // Never skipped silently: without the browser this test fails and says why.
        throw new Error(
          `headless Chromium could not start from ${CHROMIUM} (install Debian's chromium package; .ci/run does): ${(err as Error).message}`,
          { cause: err },
        );
      }
      const context = await browser.newContext({
        javaScriptEnabled: false,
        httpCredentials: { username: 'kpi', password: ADMIN_TOKEN },
        viewport: { width: 1180, height: 900 },
        locale: 'nl-NL',
      });
      const page = await context.newPage();
      const response = await page.goto(`${stack.service.url}/kpi/report`);
      expect(response?.status()).toBe(200);
      await mkdir('test-output', { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      expect((await stat(SCREENSHOT)).size).toBeGreaterThan(20_000);

      const expected = expectedFrom(plan);
      const tile = async (id: string) => (await page.locator(`[data-kpi="${id}"] .value`).innerText()).trim();
      expect(await page.locator('h1').innerText()).toBe('Gedeelde besluitvorming: kerncijfers');
      expect(await tile('key-moments')).toBe(String(expected.keyMomentEvents));
      expect(await tile('sent')).toBe(String(expected.sent));
      expect(await tile('failed')).toBe(String(expected.failed));
      expect(expected.pending).toBeGreaterThan(0);
      expect(await tile('pending')).toBe(String(expected.pending));
      expect(await tile('completed')).toBe(String(expected.completed));
      expect(await tile('sdm-q9-mean')).toBe(dutch(expected.mean));
      expect(await tile('decided-together')).toBe(`${dutch(expected.share)}%`);
      // One answer per patient per key moment: n counts those answers, then the patients behind them.
      expect(expected.respondents).toBeLessThan(expected.completed); // a child and a parent who both answered count once
      expect(expected.patients).toBeLessThan(expected.respondents); // a child with two key moments is one patient
      expect(await page.locator('[data-kpi="decided-together"] .n').innerText()).toBe(
        `n = ${expected.respondents}, ${expected.patients} patiënten`,
      );

      const funnel = page.locator('svg.funnel');
      await expect(funnel.isVisible()).resolves.toBe(true);
      expect(await funnel.locator('text').allTextContents()).toEqual(
        expect.arrayContaining(['Sleutelmomenten', 'Resultaat ontvangen', String(expected.sent)]),
      );
      const share = page.locator('svg.share');
      const shareTexts = await share.locator('text').allTextContents();
      expect(shareTexts).toContain('doel 75%');
      const monthly = expectedMonthShares(plan, months);
      expect(monthly[1]?.shown).toBe('suppressed'); // the sparse month: suppressed rather than 0%
      // the sparse month alone would follow from the total: a second month is suppressed with it
      expect(monthly.filter((m) => m.shown === 'suppressed')).toHaveLength(2);
      const shownAs = (m: (typeof monthly)[number]) =>
        m.shown === 'suppressed'
          ? 'n<5'
          : m.shown === 'band'
            ? `${dutch(m.low)}–${dutch(m.high)}%`
            : `${dutch(m.share)}%`;
      // month by month, in order: the bar's figure, or n<5
      expect(await share.locator('text.bar-value, text.suppressed-text').allTextContents()).toEqual(
        monthly.map(shownAs),
      );
      const headings = await page.locator('#per-maand thead th').allInnerTexts();
      const together = headings.indexOf('Samen beslist');
      expect(together).toBeGreaterThan(0);
      for (const m of monthly.filter((x) => x.shown === 'suppressed')) {
        const row = page.locator('#per-maand tbody tr', { hasText: monthName(m.month) });
        // first column is a th: the td of heading i is td i - 1
        expect(
          (
            await row
              .locator('td')
              .nth(together - 1)
              .innerText()
          ).trim(),
        ).toBe('onderdrukt');
      }
      const sparseRow = await page.locator('#per-maand tbody tr', { hasText: monthName(months[1]!) }).innerText();
      expect(sparseRow).not.toContain('0%');
      expect(await page.locator('#per-afdeling').innerText()).toContain('Algemene kindergeneeskunde');
      await context.close();
    },
    BROWSER_TIMEOUT_MS + 30_000,
  );
});
