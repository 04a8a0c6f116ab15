import type { Narrative, QuestionnaireItem, QuestionnaireResponseItemAnswer } from '@medplum/fhirtypes';

/** The XHTML namespace FHIR requires on `text.div`. */
const XHTML = 'http://www.w3.org/1999/xhtml';

/** A generated narrative of the given paragraphs and optional list items (both already escaped HTML). */
export function narrative(paragraphs: readonly string[], listItems: readonly string[] = []): Narrative {
  const list = listItems.length ? `<ul>${listItems.map((li) => `<li>${li}</li>`).join('')}</ul>` : '';
  return {
    status: 'generated',
    div: `<div xmlns="${XHTML}">${paragraphs.map((p) => `<p>${p}</p>`).join('')}${list}</div>`,
  };
}

/** Text safe inside XHTML: the five characters with a meaning there become character references. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Dates in narratives as a Dutch reader expects them, in the hospital's time zone (one helper for the service). */
export { dutchDate } from '../shared/dutch-date.js';

/** Who filled in a questionnaire, in words: the reference type tells a parent from the patient. */
export function filledInBy(authorReference: string): string {
  return authorReference.startsWith('RelatedPerson/') ? 'de ouder of voogd' : 'de patiënt';
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
