import type { RecipientRole } from '../rules/types.js';
import type { Month } from './month-period.js';

/** A value the figures are broken down by: a stable key and the Dutch label people read. */
export interface Dimension {
  key: string;
  label: string;
}

/** What an invitation Task's status means for the figures. */
export type InvitationState =
  /** ready, in-progress, completed: the platform gave the invitation and its link for the recipient. */
  | 'sent'
  /**
   * requested, received, accepted: not delivered yet. The Task is written `requested` before the
   * platform is called and becomes `ready` with the link; counted as neither sent nor failed.
   */
  | 'pending'
  /** failed, rejected, on-hold (could not be delivered: no usable contact channel). */
  | 'failed';

/**
 * One invitation as the measures see it, read from the record (the invitation Task, its
 * QuestionnaireResponse and SDM-Q9 Observation). References only; no names, no answers but the score.
 */
export interface KpiRecord {
  /** `Task/id` */
  task: string;
  /** `Patient/id` the invitation is about (Task.for): the unit of the figures. */
  patient: string;
  /** Who was invited: the patient or a parent/guardian. */
  respondent: RecipientRole;
  /** The month of `Task.authoredOn`, on the KPI calendar. */
  month: Month;
  keyMoment: Dimension;
  department: Dimension;
  decisionAid: Dimension;
  /** `Type/id` of the resource that triggered it (Task.focus without version): the key moment event. */
  trigger: string;
  state: InvitationState;
  /** Results received: the Task is completed and has an output. */
  completed: boolean;
  /** Days from the invitation (authoredOn) to completion, when both are known. */
  daysToCompletion?: number;
  /** The SDM-Q9 total (0–100) of the response to this invitation, when one was given. */
  sdmQ9?: number;
  /** The CollaboRATE top box (all three answers 9) of the response, when one was given. */
  collaborateTopBox?: boolean;
}
