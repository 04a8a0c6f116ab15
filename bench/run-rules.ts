import { compileMappings, type CompiledMappings } from '../src/rules/compile-mappings.js';
import { evaluateRules } from '../src/rules/evaluate-rules.js';
import { readMappingSources } from '../src/rules/load-mappings.js';
import type { RuleFacts } from '../src/rules/types.js';
import { generatedMappingFile, GENERATED_AIDS_ENV } from './generate-triggers.js';
import { ruleBenchEvents } from './rule-events.js';

/** Cost of evaluating one event against one set of loaded triggers. */
export interface RulesFigure {
  triggers: number;
  /** Microseconds per event, averaged over the event mix. */
  usPerEvent: number;
  /** Invitations decided per pass over the event mix (a check that the triggers do fire). */
  invitationsPerPass: number;
  passes: number;
}

/** Evaluation before timing starts, so the JIT has settled and the figures are steady. */
const WARMUP_MS = 300;

/** Environment the example mapping files need to compile (secrets by name; values do not matter here). */
const EXAMPLE_ENV = {
  ASTMA_KEUZEHULP_TOKEN: 'rules-benchmark-token-0123456789',
  POSITIEVE_GEZONDHEID_LINK_SECRET: 'rules-benchmark-link-secret-0123456789abcdef',
};

/** Timed slices per trigger count; the fastest slice counts (the one least disturbed by other work on the machine). */
const SLICES = 8;

/**
 * Rules: the example mapping files plus generated triggers up to each count, the same event mix
 * for each. Pure CPU, no I/O while timing. The counts take turns slice by slice, so a burst of
 * other work on the machine cannot favour one of them.
 */
export async function runRulesBench(options: {
  counts: readonly number[];
  durationMs: number;
  mappingsDir: string;
}): Promise<RulesFigure[]> {
  // The shipped files and their value sets, read as the service reads them.
  const { files: examples, valueSets } = await readMappingSources(options.mappingsDir);
  const exampleTriggers = compileMappings(examples, EXAMPLE_ENV, valueSets).triggers.length;
  const events = ruleBenchEvents();
  const sets = options.counts.map((count) => {
    const generated = Math.max(0, count - exampleTriggers);
    const files = [
      ...examples,
      ...(generated ? [{ name: 'generated.yaml', text: generatedMappingFile(generated) }] : []),
    ];
    return compileMappings(files, { ...EXAMPLE_ENV, ...GENERATED_AIDS_ENV }, valueSets);
  });
  const best = sets.map(() => ({ usPerEvent: Infinity, invitationsPerPass: 0, passes: 0 }));
  for (const compiled of sets) timeSlice(compiled, events, WARMUP_MS);
  for (let slice = 0; slice < SLICES; slice++) {
    sets.forEach((compiled, i) => {
      const timed = timeSlice(compiled, events, options.durationMs / SLICES);
      const figure = best[i]!;
      figure.passes += timed.passes;
      figure.invitationsPerPass = timed.invitationsPerPass;
      figure.usPerEvent = Math.min(figure.usPerEvent, timed.usPerEvent);
    });
  }
  return sets.map((compiled, i) => ({
    triggers: compiled.triggers.length,
    ...best[i]!,
    usPerEvent: round(best[i]!.usPerEvent, 2),
  }));
}

function timeSlice(compiled: CompiledMappings, events: readonly RuleFacts[], durationMs: number) {
  const pass = () => events.reduce((sum, facts) => sum + evaluateRules(compiled, facts).invitations.length, 0);
  let passes = 0;
  let invitationsPerPass = 0;
  const started = performance.now();
  while (performance.now() - started < durationMs) {
    invitationsPerPass = pass();
    passes += 1;
  }
  const elapsedMs = performance.now() - started;
  return { usPerEvent: (elapsedMs * 1000) / (passes * events.length), invitationsPerPass, passes };
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
