/** How the EPD changed a resource. */
export type Interaction = 'create' | 'update' | 'delete';

/** What intake knows of the interaction: `unknown` when the sender did not say (the events job finds out). */
export type EventInteraction = Interaction | 'unknown';

/** The inbound shape an event arrived in (also a metrics label). */
export type IntakeShape = 'subscription-notification' | 'message' | 'resource' | 'bundle' | 'poll';

/**
 * One change in the EPD that may be a key moment, normalised from whatever shape it arrived in.
 * Holds references, never the resource itself: the events worker reads the resource from the EPD,
 * so no patient data waits in Redis.
 */
export interface EpdEvent {
  /** Stable across redeliveries, push and poll, and sources (see `versionEventKey`): the job id on the events queue. */
  eventKey: string;
  /** Configured intake source id (e.g. `hix`). */
  source: string;
  shape: IntakeShape;
  resourceType: string;
  /** `Type/id`, relative to the EPD's base URL. */
  reference: string;
  /** The version the event is about, when the sender told us; the worker then reads that version. */
  versionId?: string;
  interaction: EventInteraction;
  /** ISO 8601 instant: when the change happened (meta.lastUpdated, message timestamp) or was received. */
  occurredAt: string;
  /** The request that delivered it (src/shared/request-id.ts): on its jobs, Tasks, AuditEvents and log lines. */
  requestId?: string;
}

/**
 * The event key of a known resource version: EPD base + `Type/id` + version. Why not the source:
 * pushed and polled copies of one change, and copies from two sources watching one EPD (an engine
 * pushing, a poller), must be one event.
 */
export function versionEventKey(epdBase: string, reference: string, versionId: string): string {
  return `${epdBase}|${reference}/_history/${versionId}`;
}
