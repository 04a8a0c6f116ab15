import type { QuestionnaireItem, QuestionnaireResponseItem } from '@medplum/fhirtypes';
import { optionKey } from './questionnaire-items.js';

/** Answers given as a bare code get the option's full Coding (system and display), as the record should show them. */
export function withOptionCodings(
  items: readonly QuestionnaireResponseItem[],
  definitions: readonly QuestionnaireItem[],
): QuestionnaireResponseItem[] {
  return items.map((item) => {
    const definition = definitions.find((d) => d.linkId === item.linkId);
    const children = definition?.item ?? [];
    return {
      ...item,
      ...(item.item ? { item: withOptionCodings(item.item, children) } : {}),
      ...(item.answer
        ? {
            answer: item.answer.map((answer) => {
              const coding = answer.valueCoding;
              const option =
                coding &&
                definition?.answerOption?.find(
                  (o) =>
                    o.valueCoding &&
                    (coding.system ? optionKey(o) === optionKey(answer) : o.valueCoding.code === coding.code),
                );
              return {
                ...answer,
                ...(option?.valueCoding ? { valueCoding: option.valueCoding } : {}),
                ...(answer.item ? { item: withOptionCodings(answer.item, children) } : {}),
              };
            }),
          }
        : {}),
    };
  });
}
