import type { AgeBand, KeyMoment, RecipientRole, ResultQuestionnaireMapping } from '../rules/types.js';
import type { Problem } from '../shared/errors.js';

/** What the rules of an instrument are checked against: the invitation and the patient's age on the day. */
export interface RespondentFacts {
  role: RecipientRole;
  /** The key moment of the invitation; undefined for a Task that does not record one. */
  keyMoment: KeyMoment | undefined;
  /** The patient's age in whole years on the day the questionnaire was filled in; undefined when unknown. */
  age: number | undefined;
}

const ROLE_WORDS: Record<RecipientRole, string> = { patient: 'the patient', guardian: 'a parent or guardian' };

/**
 * Why a questionnaire does not fit who answered it and when, one problem per broken rule, each
 * naming the rule as the mapping file spells it (`answeredBy`, `answeredBy.patient.minAge`,
 * `keyMoments`). Pure: the caller reads the Task and the Patient. Why refuse rather than store:
 * an ACT from the mother of a 13-year-old, or a C-ACT for a 16-year-old, would sit in the record
 * as a valid-looking score of the wrong instrument or the wrong person.
 */
export function instrumentProblems(
  mapping: ResultQuestionnaireMapping,
  facts: RespondentFacts,
  source: string,
): Problem[] {
  const name = mapping.questionnaire.split('|')[0]?.split('/').pop() ?? mapping.questionnaire;
  const problems: Problem[] = [];
  const refuse = (rule: string, message: string) =>
    problems.push({ code: 'business-rule', message: `${name}: rule ${rule}: ${message}`, expression: source });
  if (mapping.keyMoments && !(facts.keyMoment && mapping.keyMoments.includes(facts.keyMoment)))
    refuse(
      'keyMoments',
      `it is asked only after ${mapping.keyMoments.join(', ')}; this invitation was for ${facts.keyMoment ?? 'no recorded key moment'}`,
    );
  if (!mapping.answeredBy) return problems;
  const band = mapping.answeredBy[facts.role];
  if (!band) {
    const allowed = (Object.keys(mapping.answeredBy) as RecipientRole[]).map((role) => ROLE_WORDS[role]).join(' or ');
    refuse('answeredBy', `only ${allowed} may answer it; this invitation went to ${ROLE_WORDS[facts.role]}`);
    return problems;
  }
  // The answer goes back to the platform: it says which side of the band, never the age itself.
  const ageProblem = ageOutside(band, facts.age);
  if (ageProblem) refuse(`answeredBy.${facts.role}.${ageProblem.rule}`, ageProblem.message);
  return problems;
}

function ageOutside(band: AgeBand, age: number | undefined): { rule: string; message: string } | undefined {
  if (band.minAge === undefined && band.maxAge === undefined) return undefined;
  const range = describeBand(band);
  if (age === undefined)
    return {
      rule: band.minAge !== undefined ? 'minAge' : 'maxAge',
      message: `for patients ${range}; the patient's age is unknown`,
    };
  if (band.minAge !== undefined && age < band.minAge)
    return { rule: 'minAge', message: `for patients ${range}; the patient is younger` };
  if (band.maxAge !== undefined && age > band.maxAge)
    return { rule: 'maxAge', message: `for patients ${range}; the patient is older` };
  return undefined;
}

function describeBand(band: AgeBand): string {
  if (band.minAge !== undefined && band.maxAge !== undefined) return `aged ${band.minAge} to ${band.maxAge}`;
  return band.minAge !== undefined ? `aged ${band.minAge} and older` : `aged ${band.maxAge} and younger`;
}

/** The mapping a checked draft belongs to: by its questionnaire or its parent wording. */
export function mappingOf(
  mappings: readonly ResultQuestionnaireMapping[],
  canonical: string,
): ResultQuestionnaireMapping | undefined {
  return mappings.find((m) => m.questionnaire === canonical || m.guardianQuestionnaire === canonical);
}

/** True when some rule of these mappings needs the patient's age for this role. */
export function needsAge(mappings: readonly (ResultQuestionnaireMapping | undefined)[], role: RecipientRole): boolean {
  return mappings.some((m) => {
    const band = m?.answeredBy?.[role];
    return band !== undefined && (band.minAge !== undefined || band.maxAge !== undefined);
  });
}
