import { MIN_RESPONDENTS } from './kpi-codes.js';
import type { KpiRecord } from './kpi-record.js';
import type { KpiSettings } from './kpi-settings.js';

/**
 * One figure and the number of respondents behind it, or suppressed: fewer than MIN_RESPONDENTS
 * respondents. A suppressed figure carries neither value nor count, so nothing small leaks.
 */
export type Figure =
  { suppressed: false; value: number; respondents: number; numerator?: number } | { suppressed: true };

/** All figures of one cell (a month, a key moment, a department, a decision aid, or everything). */
export interface KpiCell {
  /** Distinct triggering resources that led to at least one invitation Task. */
  keyMomentEvents: number;
  /** Invitation Tasks that reached the recipient (see InvitationState). */
  invitationsSent: number;
  /** Invitation Tasks that failed or could not be delivered. */
  invitationsFailed: number;
  /** Invitations with results received (Task completed with output); respondents = the same count. */
  completed: Figure;
  /** completed ÷ sent, in percent; respondents = completed. */
  completionRate: Figure;
  /** Median days from invitation to completion; respondents = completed with both times known. */
  medianDaysToCompletion: Figure;
  /** Mean SDM-Q9 total (0–100); respondents = those with an SDM-Q9 score. */
  sdmQ9Mean: Figure;
  /** Share of SDM-Q9 respondents at or above the threshold, in percent; numerator = how many. */
  decidedTogether: Figure;
  /** Whether `decidedTogether` reaches the target; null when it is suppressed. */
  meetsTarget: boolean | null;
}

/** Figures are shown with one decimal: the counts behind them do not support more. */
const oneDecimal = (value: number): number => Math.round(value * 10) / 10;

/** Computes one cell from the invitations in it. Pure. */
export function summariseCell(
  records: readonly KpiRecord[],
  settings: Pick<KpiSettings, 'sdmThreshold' | 'targetPercent'>,
): KpiCell {
  const sent = records.filter((r) => r.state === 'sent');
  const completed = sent.filter((r) => r.completed);
  const days = completed.flatMap((r) => (r.daysToCompletion === undefined ? [] : [r.daysToCompletion]));
  const scores = records.flatMap((r) => (r.sdmQ9 === undefined ? [] : [r.sdmQ9]));
  const together = scores.filter((score) => score >= settings.sdmThreshold).length;
  const decidedTogether = figure(scores.length, () => (100 * together) / scores.length, together);
  return {
    keyMomentEvents: new Set(records.map((r) => r.trigger)).size,
    invitationsSent: sent.length,
    invitationsFailed: records.length - sent.length,
    completed: figure(completed.length, () => completed.length),
    completionRate: figure(completed.length, () => (100 * completed.length) / sent.length),
    medianDaysToCompletion: figure(days.length, () => median(days)),
    sdmQ9Mean: figure(scores.length, () => scores.reduce((a, b) => a + b, 0) / scores.length),
    decidedTogether,
    meetsTarget: decidedTogether.suppressed ? null : decidedTogether.value >= settings.targetPercent,
  };
}

/** The middle value (the mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function figure(respondents: number, value: () => number, numerator?: number): Figure {
  if (respondents < MIN_RESPONDENTS) return { suppressed: true };
  return {
    suppressed: false,
    value: oneDecimal(value()),
    respondents,
    ...(numerator === undefined ? {} : { numerator }),
  };
}
