import { checkResourceFilters } from './check-trigger.js';
import type { CompiledMappings } from './compile-mappings.js';
import { createEventMemo } from './event-memo.js';
import { selectTriggers } from './trigger-index.js';
import type { RuleFacts } from './types.js';

/**
 * Whether any trigger passes the filters that look at the changed resource alone (interaction,
 * condition, codes). Why: most changes in a hospital (other medicines, other clinics' visits) are
 * no key moment; for them the patient, parents, consents and encounter cannot change the outcome,
 * so the events job need not read them from the EPD. When this is false, `evaluateRules` on the
 * resource alone gives the same outcome, reasons included, as on the whole record.
 */
export function mayInvite(compiled: CompiledMappings, facts: Pick<RuleFacts, 'resource' | 'interaction'>): boolean {
  const memo = createEventMemo(facts.resource);
  return selectTriggers(compiled.triggerIndex, facts, memo.evaluate).some(
    (trigger) => !('reason' in trigger) && checkResourceFilters(trigger, facts, memo) === undefined,
  );
}
