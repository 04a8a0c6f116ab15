import type { Extension, Questionnaire, QuestionnaireItem, QuestionnaireItemAnswerOption } from '@medplum/fhirtypes';

/** Item types that carry answers (everything but `group` and `display`). */
export function isQuestion(item: QuestionnaireItem): boolean {
  return item.type !== 'group' && item.type !== 'display';
}

/** Every item of a Questionnaire, depth first, with its ancestors (nearest last). */
export function walkItems(
  questionnaire: Questionnaire,
  visit: (item: QuestionnaireItem, ancestors: readonly QuestionnaireItem[]) => void,
): void {
  const walk = (items: readonly QuestionnaireItem[] | undefined, ancestors: QuestionnaireItem[]) => {
    for (const item of items ?? []) {
      visit(item, ancestors);
      walk(item.item, [...ancestors, item]);
    }
  };
  walk(questionnaire.item, []);
}

/** linkId → item, for the whole tree (linkIds are unique in a Questionnaire). */
export function itemsByLinkId(questionnaire: Questionnaire): Map<string, QuestionnaireItem> {
  const byLinkId = new Map<string, QuestionnaireItem>();
  walkItems(questionnaire, (item) => byLinkId.set(item.linkId, item));
  return byLinkId;
}

/** The extension with this URL on an element, if any. */
export function extensionOf(element: { extension?: Extension[] } | undefined, url: string): Extension | undefined {
  return element?.extension?.find((e) => e.url === url);
}

/** The value an answer option stands for, as a comparable string (`system|code` for a Coding). */
export function optionKey(
  option: Pick<
    QuestionnaireItemAnswerOption,
    'valueCoding' | 'valueString' | 'valueInteger' | 'valueDate' | 'valueTime'
  >,
): string {
  if (option.valueCoding) return `${option.valueCoding.system ?? ''}|${option.valueCoding.code ?? ''}`;
  return String(option.valueString ?? option.valueInteger ?? option.valueDate ?? option.valueTime ?? '');
}

/** `url|version` of a Questionnaire: how results and mapping files name it. */
export function canonicalOf(questionnaire: Pick<Questionnaire, 'url' | 'version'>): string {
  return `${questionnaire.url ?? ''}|${questionnaire.version ?? ''}`;
}
