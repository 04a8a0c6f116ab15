import { MIN_RESPONDENTS } from './kpi-codes.js';
import type { KpiRecord } from './kpi-record.js';
import type { KpiSettings } from './kpi-settings.js';
import { oneAnswerPerPatient } from './one-answer-per-patient.js';

/**
 * One figure and the number of respondents behind it; or suppressed: fewer than MIN_RESPONDENTS
 * respondents (or hidden so another suppressed cell cannot be derived). A suppressed figure
 * carries neither value nor count, so nothing small leaks. A share of 0% or 100% from few
 * respondents is a band (`low`–`high` percent) instead of a value: "100% of 5" tells every
 * respondent's answer, "80–100%" does not. `patients`: distinct patients behind it, where the
 * unit is the patient at a key moment.
 */
export type Figure =
  | { suppressed: false; value: number; respondents: number; numerator?: number; patients?: number }
  | { suppressed: false; band: { low: number; high: number }; respondents: number; patients?: number }
  | { suppressed: true };

/** A figure with a value (not suppressed, not a band). */
export type ValueFigure = Extract<Figure, { value: number }>;

/** True for a figure shown as an exact value. */
export function hasValue(figure: Figure): figure is ValueFigure {
  return !figure.suppressed && 'value' in figure;
}

/** Shares of 0% or 100% from fewer respondents than this are shown as a band. */
export const BAND_BELOW_RESPONDENTS = 20; // from 20 on, one dissenting answer moves the share by 5 points or less

/** All figures of one cell (a month, a key moment, a department, a decision aid, or everything). */
export interface KpiCell {
  /** Distinct triggering resources that led to at least one invitation Task. */
  keyMomentEvents: number;
  /** Invitation Tasks that reached the recipient (see InvitationState); a Task still `requested` is not counted. */
  invitationsSent: number;
  /** Invitation Tasks that failed or could not be delivered. */
  invitationsFailed: number;
  /**
   * Invitation Tasks not delivered yet: written `requested` before the platform is called, and
   * still so (the platform call is under way or being retried). Counted on their own so a backlog
   * shows, and in neither sent nor failed.
   */
  invitationsPending: number;
  /** Invitations with results received (Task completed with output); respondents = the same count. */
  completed: Figure;
  /** completed ÷ sent, in percent; respondents = completed. */
  completionRate: Figure;
  /** Median days from invitation to completion; respondents = completed with both times known. */
  medianDaysToCompletion: Figure;
  /** Mean SDM-Q9 total (0–100), one answer per patient per key moment; respondents = those answers. */
  sdmQ9Mean: Figure;
  /** Share of patients (per key moment) who decided together by the chosen measure, in percent; numerator = how many. */
  decidedTogether: Figure;
  /** Whether `decidedTogether` reaches the target; null when it is suppressed. */
  meetsTarget: boolean | null;
}

/** Figures are shown with one decimal: the counts behind them do not support more. */
const oneDecimal = (value: number): number => Math.round(value * 10) / 10;

/** Computes one cell from the invitations in it. Pure. */
export function summariseCell(
  records: readonly KpiRecord[],
  settings: Pick<KpiSettings, 'sdmThreshold' | 'targetPercent' | 'decidedTogether'>,
): KpiCell {
  const sent = records.filter((r) => r.state === 'sent');
  const completed = sent.filter((r) => r.completed);
  const days = completed.flatMap((r) => (r.daysToCompletion === undefined ? [] : [r.daysToCompletion]));
  const sdm = oneAnswerPerPatient(records, 'sdm-q9', settings.sdmThreshold);
  const scores = sdm.flatMap((a) => (a.sdmQ9 === undefined ? [] : [a.sdmQ9]));
  const answers =
    settings.decidedTogether === 'sdm-q9' ? sdm : oneAnswerPerPatient(records, settings.decidedTogether, 0);
  const patients = new Set(answers.map((a) => a.patient)).size;
  const together = answers.filter((a) => a.together).length;
  const decidedTogether = withPatients(share(answers.length, together), patients);
  return {
    keyMomentEvents: new Set(records.map((r) => r.trigger)).size,
    invitationsSent: sent.length,
    invitationsFailed: records.filter((r) => r.state === 'failed').length,
    invitationsPending: records.filter((r) => r.state === 'pending').length,
    completed: figure(completed.length, () => completed.length),
    completionRate: share(sent.length, completed.length, completed.length),
    medianDaysToCompletion: figure(days.length, () => median(days)),
    sdmQ9Mean: withPatients(
      figure(scores.length, () => scores.reduce((a, b) => a + b, 0) / scores.length),
      new Set(sdm.map((a) => a.patient)).size,
    ),
    decidedTogether,
    meetsTarget: meetsTarget(decidedTogether, settings.targetPercent),
  };
}

/** Whether a share reaches the target: null when suppressed, or when its band straddles the target. */
export function meetsTarget(share: Figure, targetPercent: number): boolean | null {
  if (share.suppressed) return null;
  if ('value' in share) return share.value >= targetPercent;
  if (share.band.low >= targetPercent) return true;
  return share.band.high < targetPercent ? false : null;
}

/** The middle value (the mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * `numerator` of `total` as a percentage; `respondents` is who answered (the total, or for the
 * response rate the completed ones). 0% or 100% from few respondents becomes a band reaching to
 * the nearest other share possible, so it no longer says what every respondent answered.
 */
function share(total: number, numerator: number, respondents = total): Figure {
  if (respondents < MIN_RESPONDENTS || total === 0) return { suppressed: true };
  const unanimous = numerator === 0 || numerator === total;
  if (!unanimous || total >= BAND_BELOW_RESPONDENTS)
    return figure(respondents, () => (100 * numerator) / total, numerator);
  const step = 100 / total;
  const band = numerator === 0 ? { low: 0, high: Math.ceil(step) } : { low: Math.floor(100 - step), high: 100 };
  return { suppressed: false, band, respondents };
}

function withPatients(f: Figure, patients: number): Figure {
  return f.suppressed ? f : { ...f, patients };
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
