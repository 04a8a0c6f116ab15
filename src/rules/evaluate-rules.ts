import type { CompiledMappings, CompiledTrigger } from './compile-mappings.js';
import { checkTrigger } from './check-trigger.js';
import { selectGuardians } from './select-guardians.js';
import type { InvitationDecision, RecipientRole, RuleFacts, RuleOutcome } from './types.js';

export { patientReferenceOf } from './patient-reference-of.js';

/**
 * Decides which invitations one EPD event leads to. Pure: everything it looks at is in `facts`.
 * Only the triggers written for the resource's type are looked at; each of them either adds
 * invitations or a skipped entry with the reason.
 */
export function evaluateRules(compiled: CompiledMappings, facts: RuleFacts): RuleOutcome {
  const patient = facts.patient ? `Patient/${facts.patient.id}` : undefined;
  const outcome: RuleOutcome = { patient, invitations: [], skipped: [] };
  for (const trigger of compiled.triggersByType.get(facts.resource.resourceType) ?? []) {
    const reason = checkTrigger(trigger, facts);
    if (reason !== undefined || patient === undefined) {
      outcome.skipped.push({ triggerId: trigger.id, reason: reason ?? 'patient unknown' });
      continue;
    }
    for (const role of trigger.recipients) {
      const references = recipientsFor(role, patient, facts);
      if (!references.length) {
        outcome.skipped.push({ triggerId: trigger.id, reason: `no parent or guardian of ${patient} (active RelatedPerson with a parent/guardian role)` });
      }
      outcome.invitations.push(...references.map((reference) => decision(trigger, role, reference)));
    }
  }
  return outcome;
}

function recipientsFor(role: RecipientRole, patient: string, facts: RuleFacts): string[] {
  if (role === 'patient') return [patient];
  return selectGuardians(patient, facts.relatedPersons, facts.occurredAt).map((person) => `RelatedPerson/${person.id}`);
}

function decision(trigger: CompiledTrigger, role: RecipientRole, reference: string): InvitationDecision {
  return {
    triggerId: trigger.id,
    keyMoment: trigger.keyMoment,
    decisionAidId: trigger.decisionAidId,
    recipient: { role, reference },
    delayMs: trigger.delayMs,
    throttleMs: trigger.throttleMs,
  };
}
