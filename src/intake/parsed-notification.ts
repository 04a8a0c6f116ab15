import { badInput, type Problem } from '../shared/errors.js';
import type { EpdEvent } from './epd-event.js';

/**
 * What one inbound body means. `eventNumbers` are the subscription event numbers seen (for gap
 * detection); an `empty` notification only says that something changed, so the receiver must look.
 */
export type ParsedNotification = (
  | { kind: 'handshake' | 'heartbeat'; subscription?: string }
  | { kind: 'empty'; subscription?: string; eventNumbers: number[] }
  | { kind: 'events'; events: EpdEvent[]; subscription?: string; eventNumbers: number[] }
) &
  SubscriptionState;

/** What a subscription notification says of its subscription: its status and `events-since-subscription-start`. */
export interface SubscriptionState {
  status?: string;
  eventCount?: number;
}

/** Throws one 422 listing every problem found, so the sender can fix them all in one go. */
export function assertNoProblems(problems: readonly Problem[], message: string): void {
  if (problems.length > 0) throw badInput(422, message, [...problems]);
}
