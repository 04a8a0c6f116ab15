import type { TypedValue } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import { ageOnDate } from './age-on-date.js';
import { evaluatePath, type CompiledPath } from './compile-fhir-path.js';

/** Evaluates a compiled FHIRPath on the event's resource. */
export type PathEvaluator = (path: CompiledPath) => TypedValue[];

/**
 * What the triggers of one event ask again and again, worked out once for that event. Why: triggers
 * are written from templates (one per age group or department), so many share a condition, a code
 * path and the patient's age on the day; with hundreds of triggers that repetition would dominate.
 */
export interface EventMemo {
  evaluate: PathEvaluator;
  ageOn(birthDate: string, onDate: string): number | undefined;
}

/** A memo for one event's resource; used for that event only, then dropped. */
export function createEventMemo(resource: Resource): EventMemo {
  const paths = new Map<string, TypedValue[]>();
  let lastAge: { birthDate: string; onDate: string; age: number | undefined } | undefined; // one patient, one day per event
  return {
    evaluate(path) {
      let result = paths.get(path.expression);
      if (!result) {
        result = evaluatePath(path, resource);
        paths.set(path.expression, result);
      }
      return result;
    },
    ageOn(birthDate, onDate) {
      if (lastAge?.birthDate !== birthDate || lastAge.onDate !== onDate)
        lastAge = { birthDate, onDate, age: ageOnDate(birthDate, onDate) };
      return lastAge.age;
    },
  };
}

/** No memo: every question is worked out afresh (for callers that check a single trigger). */
export function noEventMemo(resource: Resource): EventMemo {
  return { evaluate: (path) => evaluatePath(path, resource), ageOn: ageOnDate };
}
