import { meetsTarget, type Figure, type KpiCell } from './summarise-cell.js';

/** The figures counted from respondents: each is suppressed below the small-cell rule, and so may need a complement. */
const RESPONDENT_FIGURES = [
  'completed',
  'completionRate',
  'medianDaysToCompletion',
  'sdmQ9Mean',
  'decidedTogether',
] as const;

/**
 * Complementary suppression of one breakdown (rows that add up to `total`): when exactly one row's
 * figure is suppressed and the total's is shown, the hidden one could be worked out by
 * subtraction (total 6, one aid 5 → the other 1). The row with the fewest respondents among
 * those shown is then suppressed too. One more always suffices: two unknowns cannot be told apart
 * from their sum. Pure; returns new rows.
 */
export function suppressComplements<T extends KpiCell>(total: KpiCell, rows: readonly T[], targetPercent: number): T[] {
  const result = rows.map((row) => ({ ...row }));
  for (const name of RESPONDENT_FIGURES) {
    if (total[name].suppressed) continue;
    const hidden = result.filter((row) => row[name].suppressed && hasAnswers(row));
    if (hidden.length !== 1) continue;
    const shown = result
      .filter((row) => !row[name].suppressed)
      .sort((a, b) => respondentsOf(a[name]) - respondentsOf(b[name]));
    const complement = shown[0];
    if (!complement) continue;
    (complement as KpiCell)[name] = { suppressed: true };
    if (name === 'decidedTogether') complement.meetsTarget = meetsTarget(complement.decidedTogether, targetPercent);
  }
  return result;
}

/** A row without any invitation hides nothing: its suppressed figures are empty, not small. */
function hasAnswers(row: KpiCell): boolean {
  return row.invitationsSent + row.invitationsFailed + row.invitationsPending > 0;
}

function respondentsOf(figure: Figure): number {
  return figure.suppressed ? 0 : figure.respondents;
}
