import { createHash } from 'node:crypto';
import type { SamplingPeriod, SamplingRule } from './types.js';

/** Hex digits of the hash read as the draw: 52 bits, the most a double holds exactly. */
const DRAW_HEX_DIGITS = 13;
/** 16^13: the draw's hex number divided by this lies in [0, 1). */
const DRAW_RANGE = 16 ** DRAW_HEX_DIGITS;

/**
 * Whether a key moment of this patient is in the sample. Why a hash and not a random number: the
 * answer must be the same for every event of the patient in one period (one patient is asked at
 * most once a month, not once per event), and an auditor must be able to recompute it from the
 * record alone. The draw is `sha256(patient|period|salt)` read as a number in [0, 1); the patient
 * is in when the draw is below `share`, so share 1 takes everyone and a share near 0 almost nobody.
 */
export function inSample(rule: SamplingRule, patient: string, occurredAt: string): boolean {
  return sampleDraw(patient, samplingPeriodOf(rule.period, occurredAt), rule.salt) < rule.share;
}

/** The draw of a patient in a period: a number in [0, 1), the same every time for the same inputs. */
export function sampleDraw(patient: string, period: string, salt: string): number {
  const hex = createHash('sha256').update(`${patient}|${period}|${salt}`).digest('hex');
  return Number.parseInt(hex.slice(0, DRAW_HEX_DIGITS), 16) / DRAW_RANGE;
}

/**
 * The period a moment falls in, in UTC so the answer does not depend on the server's time zone:
 * `2026-10` (month), `2026-Q4` (quarter) or `2026` (year).
 */
export function samplingPeriodOf(period: SamplingPeriod, occurredAt: string): string {
  const date = new Date(occurredAt);
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth(); // 0-based
  if (period === 'year') return String(year);
  if (period === 'quarter') return `${year}-Q${Math.floor(month / 3) + 1}`;
  return `${year}-${String(month + 1).padStart(2, '0')}`;
}
