import type { SkippedTrigger } from './types.js';

/** Why a trigger did not fire, in classes hospital IT can act on: the `reason` label of `sdm_trigger_skips_total`. */
export const SKIP_CLASSES = [
  'interaction',
  'condition',
  'code',
  'patient',
  'age',
  'department',
  'no-representative',
  'objection',
  'not-in-sample',
  'throttled',
  'other',
] as const;
export type SkipClass = (typeof SKIP_CLASSES)[number];

/** Reasons by how they start, in the words `checkTrigger`, `matchCodes` and the events job give them. */
const BY_REASON: readonly [RegExp, SkipClass][] = [
  [/^interaction /, 'interaction'],
  [/^(condition false|FHIRPath failed)/, 'condition'],
  [/(does not match|^no code of the wanted system)/, 'code'],
  [/^patient (unknown|is deceased)/, 'patient'],
  [/^patient (birth date unknown|age |\d+y )/, 'age'],
  [/^department /, 'department'],
  [/^throttled/, 'throttled'],
];

/** The class of one skip: from its code where it has one, else from how its reason starts. */
export function skipClass(skipped: Pick<SkippedTrigger, 'reason' | 'code'>): SkipClass {
  switch (skipped.code) {
    case 'objection':
      return 'objection';
    case 'no-guardian':
      return 'no-representative';
    case 'age-unknown':
      return 'age';
    case 'not-in-sample':
      return 'not-in-sample';
  }
  return BY_REASON.find(([pattern]) => pattern.test(skipped.reason))?.[1] ?? 'other';
}
