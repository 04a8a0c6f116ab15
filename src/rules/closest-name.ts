import leven from 'leven';

/**
 * The candidate a mistyped name most likely meant: the same name in other case (`Careplan` →
 * `CarePlan`), else the nearest by edit distance when that is small for the name's length
 * (`staus` → `status`, `MedicatonRequest` → `MedicationRequest`); undefined when nothing is close.
 */
export function closestName(name: string, candidates: Iterable<string>): string | undefined {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 3)); // a swapped pair counts 2; much more is another word
  for (const candidate of candidates) {
    if (candidate.toLowerCase() === lower) return candidate;
    const distance = leven(lower, candidate.toLowerCase());
    if (distance <= bestDistance && (best === undefined || distance < bestDistance)) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** ` (did you mean "X"?)` or nothing. */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const closest = closestName(name, candidates);
  return closest ? `; did you mean "${closest}"?` : '';
}
