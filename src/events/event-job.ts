import type { EpdClient } from '../epd/epd-client.js';
import type { JobContext } from '../queue/create-worker.js';
import { jobIdFor } from '../queue/job-id.js';
import type { InvitationJobData } from '../queue/job-types.js';
import type { CompiledMappings } from '../rules/compile-mappings.js';
import { evaluateRules } from '../rules/evaluate-rules.js';
import { mayInvite } from '../rules/may-invite.js';
import type { ObjectionPolicy } from '../rules/objection-policy.js';
import type { InvitationDecision, RuleOutcome, SkippedTrigger } from '../rules/types.js';
import type { EpdEvent } from '../intake/epd-event.js';
import { gatherFacts } from './gather-facts.js';
import type { ThrottleStore } from './throttle-store.js';

/** An invitation to enqueue: its data, its deterministic job id and its delay. */
export interface PlannedInvitation {
  jobId: string;
  data: InvitationJobData;
  delayMs: number;
}

/** What the events job needs from the outside world. */
export interface EventJobDeps {
  epd: EpdClient;
  getMappings: () => CompiledMappings;
  throttle: ThrottleStore;
  enqueueInvitations: (invitations: PlannedInvitation[]) => Promise<void>;
  /** Counts an invitation the throttle held back (metrics). */
  countThrottled?: (decision: InvitationDecision) => void;
  /** What counts as the patient's objection; default: Consents denying the default purposes. */
  objection?: ObjectionPolicy;
  /** The EPD's FHIR base URLs: a patient named by an absolute reference elsewhere is never invited. */
  epdBases?: readonly string[];
  /** Called for each skip of an evaluation that has a code (`SkipCode`: objection, age-unknown, …), for metrics; a retried job calls it again. */
  countSkipped?: (skipped: SkippedTrigger) => void;
}

/** What one event led to; returned as the job's result and shown on the dashboard. */
export interface EventJobResult {
  invitations: string[];
  skipped: SkippedTrigger[];
  /** The patient's objection, when it stopped an invitation (`source` is a reference, never patient data). */
  objection?: RuleOutcome['objection'];
}

/**
 * Decides, when the change arrives, which invitations follow from it; the invitations job only
 * delivers them. Reading the facts again on a retry is harmless: the invitation ids are
 * deterministic, so a retried event enqueues nothing twice.
 */
export function createEventJob(deps: EventJobDeps) {
  return async function eventJob(event: EpdEvent, ctx: JobContext): Promise<EventJobResult> {
    const mappings = deps.getMappings();
    if (!mappings.resourceTypes.has(event.resourceType)) return { invitations: [], skipped: [] };
    let keyMoment = false;
    const facts = await gatherFacts(
      event,
      deps.epd,
      (resourceFacts) => (keyMoment = mayInvite(mappings, resourceFacts)),
      deps.epdBases,
    );
    const outcome = evaluateRules(mappings, facts, { objection: deps.objection });
    // The version actually read, so an id-only notification of a later change is not taken for an earlier one.
    const versionId = facts.resource.meta?.versionId ?? event.versionId;
    const focus = versionId ? `${event.reference}/_history/${versionId}` : event.reference;
    const skipped = [...outcome.skipped];
    const planned: PlannedInvitation[] = [];
    for (const decision of outcome.invitations) {
      if (!outcome.patient) continue; // evaluateRules only decides on invitations for a known patient
      if (!(await withinThrottle(deps.throttle, decision, outcome.patient, focus))) {
        skipped.push({
          triggerId: decision.triggerId,
          reason: `throttled: ${decision.decisionAidId} already offered within the window${decision.throttleScope === 'key-moment' ? ` for ${decision.keyMoment}` : ''}`,
        });
        deps.countThrottled?.(decision);
        continue;
      }
      planned.push(planInvitation(event, decision, outcome.patient, focus));
    }
    await deps.enqueueInvitations(planned);
    // Info only where the patient's record decided (the change itself was a key moment); the skips of an
    // everyday change (another medicine, another clinic) are in the job's result and at debug level.
    const level = keyMoment ? 'info' : 'debug';
    for (const s of skipped)
      ctx.log[level](
        { eventKey: event.eventKey, triggerId: s.triggerId, reason: s.reason, code: s.code },
        'trigger skipped',
      );
    for (const s of outcome.skipped) if (s.code) deps.countSkipped?.(s);
    ctx.log.info({ eventKey: event.eventKey, invitations: planned.length }, 'event evaluated');
    return {
      invitations: planned.map((p) => p.data.invitationId),
      skipped,
      ...(outcome.objection ? { objection: outcome.objection } : {}),
    };
  };
}

async function withinThrottle(
  throttle: ThrottleStore,
  decision: InvitationDecision,
  patient: string,
  focus: string,
): Promise<boolean> {
  if (decision.throttleMs <= 0) return true;
  // The claimant is the resource version, so every recipient of one event (and a retry of it) passes.
  // By default another key moment is another invitation: a treatment choice right after a medication change counts.
  const key =
    decision.throttleScope === 'decision-aid'
      ? `${decision.decisionAidId}|${patient}`
      : `${decision.decisionAidId}|${decision.keyMoment}|${patient}`;
  return throttle.claim(key, focus, decision.throttleMs);
}

/** The invitation id is derived from the resource version, not the event key, so a change that is both pushed and polled yields one invitation. */
export function planInvitation(
  event: EpdEvent,
  decision: InvitationDecision,
  patient: string,
  focus: string,
): PlannedInvitation {
  const invitationId = jobIdFor(
    'inv',
    `${event.source}|${focus}|${decision.triggerId}|${decision.recipient.reference}`,
  );
  return {
    jobId: invitationId,
    delayMs: decision.delayMs,
    data: {
      invitationId,
      eventKey: event.eventKey,
      source: event.source,
      triggerId: decision.triggerId,
      keyMoment: decision.keyMoment,
      decisionAidId: decision.decisionAidId,
      patient,
      recipient: decision.recipient,
      focus,
      occurredAt: event.occurredAt,
      ...(event.requestId ? { requestId: event.requestId } : {}),
    },
  };
}
