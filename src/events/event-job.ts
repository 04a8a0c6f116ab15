import type { EpdClient } from '../epd/epd-client.js';
import type { JobContext } from '../queue/create-worker.js';
import type { InvitationJobData } from '../queue/job-types.js';
import type { CompiledMappings } from '../rules/compile-mappings.js';
import { evaluateRules } from '../rules/evaluate-rules.js';
import { mayInvite } from '../rules/may-invite.js';
import type { ObjectionPolicy } from '../rules/objection-policy.js';
import { skipClass, type SkipClass } from '../rules/skip-class.js';
import type { InvitationDecision, RuleOutcome, SkippedTrigger } from '../rules/types.js';
import type { EpdEvent } from '../intake/epd-event.js';
import { gatherFacts } from './gather-facts.js';
import { invitationIdFor } from './invitation-id.js';
import { createMatters } from './resolve-interaction.js';
import { contactKeyFor } from '../rules/contact-representatives.js';
import { withdrawalOf } from '../decision-aids/change-withdrawn.js';
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
  /** What invitation ids are made of besides the change: the EPD's base URL and the secret (see invitation-id.ts). */
  identity: InvitationIdentity;
  getMappings: () => CompiledMappings;
  throttle: ThrottleStore;
  enqueueInvitations: (invitations: PlannedInvitation[]) => Promise<void>;
  /** Counts an invitation the throttle held back (metrics). */
  countThrottled?: (decision: InvitationDecision) => void;
  /** What counts as the patient's objection; default: Consents denying the default purposes. */
  objection?: ObjectionPolicy;
  /** The EPD's FHIR base URLs: a patient named by an absolute reference elsewhere is never invited. */
  epdBases?: readonly string[];
  /** Removes the invitations still waiting for a change that was withdrawn (deleted, cancelled); returns how many. */
  cancelWaitingInvitations?: (reference: string) => Promise<number>;
  /** Called for each skip of a trigger listening to the change, throttled ones included, with its class (metrics); a retried job calls it again. */
  countSkipped?: (skipped: SkippedTrigger & { skipClass: SkipClass }) => void;
}

/** The EPD's base URL and the secret invitation ids are keyed with. */
export interface InvitationIdentity {
  epdBase: string;
  invitationIdSecret: string;
}

/** What one event led to; returned as the job's result and shown on the dashboard. */
export interface EventJobResult {
  invitations: string[];
  skipped: SkippedTrigger[];
  /** The patient's objection, when it stopped an invitation (`source` is a reference, never patient data). */
  objection?: RuleOutcome['objection'];
  /** The change was withdrawn (deleted, cancelled, entered in error): invitations still waiting removed. */
  cancelledWaiting?: number;
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
    // A delete is evaluated by no rule (there is nothing left to read); it withdraws what still waits.
    if (event.interaction === 'delete') return withdraw(deps, event, ctx);
    let keyMoment = false;
    const facts = await gatherFacts(event, deps.epd, {
      needsRecord: (resourceFacts) => (keyMoment = mayInvite(mappings, resourceFacts)),
      ...(deps.epdBases ? { ownBases: deps.epdBases } : {}),
      createMatters: createMatters(mappings, event.resourceType),
    });
    if (withdrawalOf(facts.resource)) return withdraw(deps, event, ctx);
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
      planned.push(planInvitation(deps.identity, event, decision, outcome.patient, focus));
    }
    // One on-hold Task per trigger and change when a child has nobody who may be invited (the skip stays counted).
    for (const hold of outcome.noRepresentative ?? [])
      if (outcome.patient) planned.push(planInvitation(deps.identity, event, hold, outcome.patient, focus, true));
    await deps.enqueueInvitations(planned);
    // Info only where the patient's record decided (the change itself was a key moment); the skips of an
    // everyday change (another medicine, another clinic) are in the job's result and at debug level.
    const level = keyMoment ? 'info' : 'debug';
    for (const s of skipped)
      ctx.log[level](
        { eventKey: event.eventKey, triggerId: s.triggerId, reason: s.reason, code: s.code },
        'trigger skipped',
      );
    // Every skip, not only the coded ones: a mapping gap shows on /metrics as "code" or "department" in days.
    for (const s of skipped) deps.countSkipped?.({ ...s, skipClass: skipClass(s) });
    ctx.log.info({ eventKey: event.eventKey, invitations: planned.length }, 'event evaluated');
    return {
      invitations: planned.map((p) => p.data.invitationId),
      skipped,
      ...(outcome.objection ? { objection: outcome.objection } : {}),
    };
  };
}

async function withdraw(deps: EventJobDeps, event: EpdEvent, ctx: JobContext): Promise<EventJobResult> {
  const cancelledWaiting = (await deps.cancelWaitingInvitations?.(event.reference)) ?? 0;
  ctx.log.info({ eventKey: event.eventKey, cancelledWaiting }, 'change withdrawn: waiting invitations cancelled');
  return { invitations: [], skipped: [], cancelledWaiting };
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

/**
 * The invitation id comes from the EPD's resource version (base, type, id, version), the trigger and
 * the recipient, never from the source or the route: a change pushed by one source and polled by
 * another yields one invitation. A `Patient.contact` recipient is keyed by its hashed natural key
 * (not its place in the array); the on-hold Task for "no representative" by that reason.
 */
export function planInvitation(
  identity: InvitationIdentity,
  event: EpdEvent,
  decision: InvitationDecision,
  patient: string,
  focus: string,
  noRepresentative = false,
): PlannedInvitation {
  const { role, reference } = decision.recipient;
  const contact =
    decision.recipient.contact === undefined
      ? undefined
      : contactKeyFor(identity.invitationIdSecret, patient, decision.recipient.contact);
  const invitationId = invitationIdFor(identity.invitationIdSecret, {
    epdBase: identity.epdBase,
    focus,
    triggerId: decision.triggerId,
    recipient: noRepresentative ? `${patient}#no-representative` : contact ? `${reference}#${contact}` : reference,
  });
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
      recipient: { role, reference, ...(contact ? { contact } : {}) },
      ...(noRepresentative ? { noRepresentative: true as const } : {}),
      focus,
      occurredAt: event.occurredAt,
      ...(event.requestId ? { requestId: event.requestId } : {}),
    },
  };
}
