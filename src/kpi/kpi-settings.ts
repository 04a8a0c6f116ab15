/** The configurable parts of the KPIs (KPI_* in .env.example); the rest are fixed in kpi-codes.ts. */
export interface KpiSettings {
  /** Which answer counts as "decided together": an SDM-Q9 at or above the threshold, or a CollaboRATE top box. */
  decidedTogether: DecidedTogetherMeasure;
  /** SDM-Q9 total (0–100) at or above which a respondent counts as "decided together". */
  sdmThreshold: number;
  /** The target share "decided together", in percent. */
  targetPercent: number;
  /** How long computed figures are served from memory before the EPD is searched again. */
  cacheSeconds: number;
  /** Cron pattern of the monthly MeasureReport (in `timeZone`); absent: no schedule. */
  reportCron?: string;
  /** IANA time zone in which months begin and end (and the schedule runs). */
  timeZone: string;
}

/** The measures "decided together" may be read from (KPI_DECIDED_TOGETHER). */
export const DECIDED_TOGETHER_MEASURES = ['sdm-q9', 'collaborate-top-box'] as const;
export type DecidedTogetherMeasure = (typeof DECIDED_TOGETHER_MEASURES)[number];

/**
 * Why 80: no validated cut-off exists for the SDM-Q9. 80 is an average answer of 4 of 5
 * ("grotendeels mee eens") over the nine statements: clear agreement with every step of shared
 * decision making, not the ambivalent "enigszins mee eens" (3, a total of 66.7). SDM-Q9 scores
 * cluster near the top (ceiling effect); a lower bar would make the 75% target almost automatic.
 */
export const DEFAULT_SDM_THRESHOLD = 80;

/** The hospital's goal: by 2028 more than 75% of patients say choices were made together. */
export const DEFAULT_TARGET_PERCENT = 75;

/** Five minutes: the page may be reloaded often; the figures move with answers that take days. */
export const DEFAULT_CACHE_SECONDS = 300;

/** 03:00 on the 1st: the previous month is over, and the EPD is quiet. */
export const DEFAULT_REPORT_CRON = '0 3 1 * *';

/** The hospitals this serves are Dutch: a month is a month on the Dutch calendar. */
export const DEFAULT_TIME_ZONE = 'Europe/Amsterdam';

/** The settings when nothing is configured (tests, the sandbox). */
export const DEFAULT_KPI_SETTINGS: Readonly<KpiSettings> = Object.freeze({
  decidedTogether: 'sdm-q9',
  sdmThreshold: DEFAULT_SDM_THRESHOLD,
  targetPercent: DEFAULT_TARGET_PERCENT,
  cacheSeconds: DEFAULT_CACHE_SECONDS,
  reportCron: DEFAULT_REPORT_CRON,
  timeZone: DEFAULT_TIME_ZONE,
});
