import type { QuestionnaireItem, QuestionnaireResponseItemAnswer } from '@medplum/fhirtypes';

/** Dates in narratives as a Dutch reader expects them, in the hospital's time zone (one helper for the service). */
export { dutchDate } from '../shared/dutch-date.js';

/** Who filled in a questionnaire, in words: the reference type tells a parent (also one the Task contains, `#…`) from the patient. */
export function filledInBy(authorReference: string): string {
  return authorReference.startsWith('RelatedPerson/') || authorReference.startsWith('#')
    ? 'de ouder of voogd'
    : 'de patiënt';
}

/** An answer as a person reads it: the display of a coding, yes/nee, or the value itself. */
export function answerText(answer: QuestionnaireResponseItemAnswer): string {
  if (answer.valueCoding) return answer.valueCoding.display ?? answer.valueCoding.code ?? '';
  if (answer.valueBoolean !== undefined) return answer.valueBoolean ? 'ja' : 'nee';
  if (answer.valueQuantity) return `${answer.valueQuantity.value ?? ''} ${answer.valueQuantity.unit ?? ''}`.trim();
  const scalar =
    answer.valueString ??
    answer.valueInteger ??
    answer.valueDecimal ??
    answer.valueDate ??
    answer.valueDateTime ??
    answer.valueTime ??
    answer.valueUri;
  return scalar === undefined ? '(geen leesbaar antwoord)' : String(scalar);
}

/** The question as the Questionnaire words it, with its number when it has one. */
export function questionText(item: QuestionnaireItem): string {
  return [item.prefix, item.text ?? item.linkId].filter(Boolean).join(' ');
}
