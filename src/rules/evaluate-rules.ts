import type { CompiledMappings, CompiledTrigger } from './compile-mappings.js';
import { checkTrigger } from './check-trigger.js';
import { DEFAULT_OBJECTION_POLICY, findObjection, type Objection, type ObjectionPolicy } from './objection-policy.js';
import { rolesByAge } from './recipient-policy.js';
import { selectGuardians } from './select-guardians.js';
import { selectContactRepresentatives } from './contact-representatives.js';
import { createEventMemo } from './event-memo.js';
import { inSample } from './in-sample.js';
import { selectTriggers } from './trigger-index.js';
import type { DecidedRecipient, InvitationDecision, RecipientRole, RuleFacts, RuleOutcome } from './types.js';

export { patientReferenceOf } from './patient-reference-of.js';

/**
 * Decides which invitations one EPD event leads to. Pure: everything it looks at is in `facts`.
 * Only the triggers written for the resource's type are looked at; each of them either adds
 * invitations or a skipped entry with the reason. Those whose code filters cannot match the
 * resource's codes are told apart through the code index, without running their FHIRPath.
 */
export function evaluateRules(
  compiled: CompiledMappings,
  facts: RuleFacts,
  options: EvaluateOptions = {},
): RuleOutcome {
  const patient = facts.patient ? `Patient/${facts.patient.id}` : undefined;
  const outcome: RuleOutcome = { patient, invitations: [], skipped: [] };
  let objection: Objection | undefined | null = null; // looked up once, when the first trigger would invite
  const memo = createEventMemo(facts.resource);
  for (const trigger of selectTriggers(compiled.triggerIndex, facts, memo.evaluate)) {
    if ('reason' in trigger) {
      outcome.skipped.push(trigger); // ruled out by its codes
      continue;
    }
    const reason = checkTrigger(trigger, facts, memo);
    if (reason !== undefined || patient === undefined) {
      outcome.skipped.push({ triggerId: trigger.id, reason: reason ?? 'patient unknown' });
      continue;
    }
    // Sampling is a filter of the trigger like its age or department: before the objection, so a
    // patient outside the sample is not reported as one whose objection stopped an invitation.
    const sampling = trigger.sampling ?? compiled.decisionAids.get(trigger.decisionAidId)?.sampling;
    if (sampling && !inSample(sampling, patient, facts.occurredAt)) {
      outcome.skipped.push({
        triggerId: trigger.id,
        reason: `not in sample (${Math.round(sampling.share * 1000) / 10}% of patients per ${sampling.period})`,
        code: 'not-in-sample',
      });
      continue;
    }
    // Why after the trigger's own filters: an objection only matters where an invitation would follow,
    // and the skip then says "objected" rather than hiding behind an unrelated filter.
    if (objection === null) objection = findObjection(options.objection ?? DEFAULT_OBJECTION_POLICY, facts);
    if (objection) {
      outcome.objection = objection;
      outcome.skipped.push({ triggerId: trigger.id, reason: objection.reason, code: 'objection' });
      continue;
    }
    addInvitations(trigger, patient, facts, outcome);
  }
  return outcome;
}

/** What evaluation needs besides the mapping files: the hospital's objection policy (default: Consents with the default purposes). */
export interface EvaluateOptions {
  objection?: ObjectionPolicy;
}

function addInvitations(trigger: CompiledTrigger, patient: string, facts: RuleFacts, outcome: RuleOutcome): void {
  let roles = trigger.recipients;
  if (trigger.recipientsByAge && facts.patient) {
    const byAge = rolesByAge(trigger.recipientsByAge, facts.patient, facts.occurredAt);
    if ('reason' in byAge) {
      outcome.skipped.push({ triggerId: trigger.id, reason: byAge.reason, code: 'age-unknown' });
      return;
    }
    roles = byAge.roles;
  }
  const invitations: InvitationDecision[] = [];
  for (const role of roles) {
    const recipients = recipientsFor(trigger, role, patient, facts);
    if (!recipients.length) {
      const reason = `no parent or guardian of ${patient} (RelatedPerson or Patient.contact with a representative code of the trigger: v3 parent/guardian or zib role 11/24 by default)`;
      outcome.skipped.push({ triggerId: trigger.id, reason, code: 'no-guardian' });
    }
    invitations.push(...recipients.map((recipient) => decision(trigger, recipient)));
  }
  outcome.invitations.push(...invitations);
  // A child who is not invited itself and has nobody who may be: the care team gets an on-hold Task
  // instead of a count only, so the key moment is not silently lost. Not throttled and without
  // reflection time: the care team can act (register a parent) before the family would have heard.
  if (!invitations.length && !roles.includes('patient') && roles.includes('guardian')) {
    const hold = decision(trigger, { role: 'guardian', reference: patient });
    (outcome.noRepresentative ??= []).push({ ...hold, delayMs: 0, throttleMs: 0 });
  }
}

/**
 * The recipients of one role. Parents and guardians are RelatedPersons first; only when none
 * qualifies, a `Patient.contact` with a representative code (the fallback zib EPDs need, where a
 * parent is often recorded on the Patient only).
 */
function recipientsFor(
  trigger: CompiledTrigger,
  role: RecipientRole,
  patient: string,
  facts: RuleFacts,
): DecidedRecipient[] {
  if (role === 'patient') return [{ role, reference: patient }];
  const related = selectGuardians(patient, facts.relatedPersons, facts.occurredAt, trigger.representativeCodes);
  if (related.length || !facts.patient)
    return related.map((person) => ({ role, reference: `RelatedPerson/${person.id}` }));
  return selectContactRepresentatives(facts.patient, facts.occurredAt, trigger.representativeCodes).map(
    ({ naturalKey }) => ({ role, reference: patient, contact: naturalKey }),
  );
}

function decision(trigger: CompiledTrigger, recipient: DecidedRecipient): InvitationDecision {
  return {
    triggerId: trigger.id,
    keyMoment: trigger.keyMoment,
    decisionAidId: trigger.decisionAidId,
    recipient,
    delayMs: trigger.delayMs,
    throttleMs: trigger.throttleMs,
    throttleScope: trigger.throttleScope,
  };
}
