import type { IntakeShape } from '../intake/epd-event.js';
import type { ParsedNotification } from '../intake/parsed-notification.js';
import type { InvitationOutcome, Metrics } from './metrics.js';

/** Every shape an event can come in, every kind of notification, every end of an invitation and a result. */
const SHAPES: readonly IntakeShape[] = ['subscription-notification', 'message', 'resource', 'bundle', 'poll'];
const KINDS: readonly ParsedNotification['kind'][] = ['events', 'empty', 'handshake', 'heartbeat'];
const INVITATION_OUTCOMES: readonly InvitationOutcome[] = ['queued', 'throttled', 'sent', 'already-recorded', 'failed'];
const RESULT_OUTCOMES = ['written', 'already-written', 'failed'] as const;

/** What the labels of the counters can be in this installation. */
export interface CounterLabels {
  sources: readonly string[];
  queues: readonly string[];
  /** Decision aids by id, with the key moments of the triggers that invite to each. */
  aids: readonly { id: string; keyMoments: readonly string[]; results: boolean }[];
}

/**
 * Exports every counter series this installation can count at 0 from the start. Why: a series that
 * appears only at its first increment has no earlier value, so `rate()` and `increase()` miss that
 * first failure, and an alert on "failures > 0" cannot tell "none yet" from "not scraped".
 */
export function zeroCounters(metrics: Metrics, labels: CounterLabels): void {
  for (const queue of labels.queues) {
    metrics.jobRetries.inc({ queue }, 0);
    metrics.jobFailures.inc({ queue }, 0);
  }
  for (const source of labels.sources) {
    for (const shape of SHAPES) {
      metrics.eventsReceived.inc({ source, shape }, 0);
      metrics.eventsDuplicate.inc({ source, shape }, 0);
    }
    for (const kind of KINDS) metrics.notifications.inc({ source, kind }, 0);
  }
  for (const aid of labels.aids) {
    for (const key_moment of aid.keyMoments)
      for (const outcome of INVITATION_OUTCOMES)
        metrics.invitations.inc({ key_moment, decision_aid: aid.id, outcome }, 0);
    if (aid.results)
      for (const outcome of RESULT_OUTCOMES) metrics.resultsWritten.inc({ decision_aid: aid.id, outcome }, 0);
  }
}
