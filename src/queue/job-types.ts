import type { EpdEvent } from '../intake/epd-event.js';
import type { KeyMoment, RecipientRole } from '../rules/types.js';

/** Queue names. One Redis prefix per deployment (config QUEUE_PREFIX) keeps environments apart. */
export const QUEUE = {
  events: 'events',
  invitations: 'invitations',
} as const;

export type QueueName = (typeof QUEUE)[keyof typeof QUEUE];

/** Data of an `events` job: the normalised event, references only. */
export type EventJobData = EpdEvent;

/** Data of an `invitations` job: everything the decision-aid adapter and the Task need, by reference. */
export interface InvitationJobData {
  /** Deterministic: hash of (resource version, trigger, recipient). Also the Task identifier value. */
  invitationId: string;
  eventKey: string;
  source: string;
  triggerId: string;
  keyMoment: KeyMoment;
  decisionAidId: string;
  /** `Patient/id` */
  patient: string;
  recipient: { role: RecipientRole; reference: string };
  /** `Type/id/_history/vid` (or `Type/id`) of the resource that triggered the invitation. */
  focus: string;
  occurredAt: string;
}
