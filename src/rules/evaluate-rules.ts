import type { CompiledMappings, CompiledTrigger } from './compile-mappings.js';
import { checkTrigger } from './check-trigger.js';
import { DEFAULT_OBJECTION_POLICY, findObjection, type Objection, type ObjectionPolicy } from './objection-policy.js';
import { rolesByAge } from './recipient-policy.js';
import { selectGuardians } from './select-guardians.js';
import { createEventMemo } from './event-memo.js';
import { inSample } from './in-sample.js';
import { selectTriggers } from './trigger-index.js';
import type { InvitationDecision, RecipientRole, RuleFacts, RuleOutcome } from './types.js';

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
  for (const role of roles) {
    const references = recipientsFor(trigger, role, patient, facts);
    if (!references.length) {
      const reason = `no parent or guardian of ${patient} (active RelatedPerson with a representative code of the trigger: v3 parent/guardian or zib role 11/24 by default)`;
      outcome.skipped.push({ triggerId: trigger.id, reason, code: 'no-guardian' });
    }
    outcome.invitations.push(...references.map((reference) => decision(trigger, role, reference)));
  }
}

function recipientsFor(trigger: CompiledTrigger, role: RecipientRole, patient: string, facts: RuleFacts): string[] {
  if (role === 'patient') return [patient];
  return selectGuardians(patient, facts.relatedPersons, facts.occurredAt, trigger.representativeCodes).map(
    (person) => `RelatedPerson/${person.id}`,
  );
}

function decision(trigger: CompiledTrigger, role: RecipientRole, reference: string): InvitationDecision {
  return {
    triggerId: trigger.id,
    keyMoment: trigger.keyMoment,
    decisionAidId: trigger.decisionAidId,
    recipient: { role, reference },
    delayMs: trigger.delayMs,
    throttleMs: trigger.throttleMs,
    throttleScope: trigger.throttleScope,
  };
}
