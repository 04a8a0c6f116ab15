import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generatedMappingFile, GENERATED_AIDS_ENV } from '../../bench/generate-triggers.js';
import { ruleBenchEvents } from '../../bench/rule-events.js';
import { isPlaceholder } from '../../src/shared/check-secret.js';
import { checkTrigger } from '../../src/rules/check-trigger.js';
import { compileMappings } from '../../src/rules/compile-mappings.js';
import { evaluateRules } from '../../src/rules/evaluate-rules.js';

/** Secrets the example mapping files name (values do not matter here). */
const ENV = {
  ...Object.fromEntries(
    readFileSync(join('.env.example'), 'utf8')
      .split('\n')
      .map((line) => /^([A-Z][A-Z0-9_]*)=(.+)$/.exec(line.trim()))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1], isPlaceholder(m[2] ?? '') ? 'r'.repeat(64) : m[2]]), // change-me secrets are refused
  ),
  ...GENERATED_AIDS_ENV,
};

describe('the rules benchmark’s generated triggers', () => {
  const examples = ['paediatric-asthma.yaml', 'positive-health.yaml'].map((name) => ({
    name,
    text: readFileSync(join('mappings', name), 'utf8'),
  }));
  const exampleCount = compileMappings(examples, ENV).triggers.length;
  const compiled = compileMappings(
    [...examples, { name: 'generated.yaml', text: generatedMappingFile(1_000 - exampleCount) }],
    ENV,
  );

  it('compile: a thousand triggers over six resource types', () => {
    expect(compiled.triggers).toHaveLength(1_000);
    expect([...compiled.triggerIndex.keys()].sort()).toEqual([
      'CarePlan',
      'Condition',
      'Encounter',
      'MedicationRequest',
      'Procedure',
      'ServiceRequest',
    ]);
  });

  it.each(ruleBenchEvents().map((facts) => [`${facts.resource.resourceType}/${facts.resource.id}`, facts] as const))(
    '%s: the code index gives the outcome of checking every trigger of the type',
    (_name, facts) => {
      const outcome = evaluateRules(compiled, facts);
      const reasons = new Map(outcome.skipped.map((s) => [s.triggerId, s.reason]));
      const fired = new Set(outcome.invitations.map((i) => i.triggerId));
      for (const trigger of compiled.triggersByType.get(facts.resource.resourceType) ?? []) {
        const reason = checkTrigger(trigger, facts);
        if (reason === undefined)
          expect({ trigger: trigger.id, fired: fired.has(trigger.id) || reasons.has(trigger.id) }).toEqual({
            trigger: trigger.id,
            fired: true,
          });
        else expect({ trigger: trigger.id, reason: reasons.get(trigger.id) }).toEqual({ trigger: trigger.id, reason });
      }
    },
  );
});
