import type { ResultQuestionnaireMapping } from '../rules/types.js';
import { instrumentProblems, type RespondentFacts } from './check-instrument-rules.js';

// The rules of the shipped mappings/paediatric-asthma.yaml (ACT: Nathan et al. 2004, 12 years and
// older, self-report; C-ACT: Liu et al. 2007, 4-11 years, child and parent parts; SDM-Q9 after a decision).
const base = { optional: true, answers: { q: 'q' } };
const ACT: ResultQuestionnaireMapping = {
  ...base,
  questionnaire: 'https://sdm-bridge.org/fhir/Questionnaire/act|1.0.0',
  answeredBy: { patient: { minAge: 12 } },
};
const C_ACT: ResultQuestionnaireMapping = {
  ...base,
  questionnaire: 'https://sdm-bridge.org/fhir/Questionnaire/c-act|1.0.0',
  answeredBy: { guardian: { minAge: 4, maxAge: 11 } },
  patientItems: ['c-act-kind'],
};
const SDM_Q9: ResultQuestionnaireMapping = {
  ...base,
  questionnaire: 'https://sdm-bridge.org/fhir/Questionnaire/sdm-q9|1.0.0',
  answeredBy: { patient: { minAge: 16 }, guardian: {} },
  keyMoments: ['medication-change', 'treatment-choice'],
};
const FREE: ResultQuestionnaireMapping = {
  ...base,
  questionnaire: 'https://sdm-bridge.org/fhir/Questionnaire/keuzeformulier|1.0.0',
};

const facts = (
  role: RespondentFacts['role'],
  age: number | undefined,
  keyMoment: RespondentFacts['keyMoment'] = 'medication-change',
): RespondentFacts => ({ role, age, keyMoment });

describe('instrumentProblems', () => {
  it.each<[string, ResultQuestionnaireMapping, RespondentFacts, string[]]>([
    ['ACT from a 12-year-old', ACT, facts('patient', 12), []],
    ['ACT from a 16-year-old', ACT, facts('patient', 16), []],
    [
      'ACT from an 11-year-old',
      ACT,
      facts('patient', 11),
      ['act: rule answeredBy.patient.minAge: for patients aged 12 and older; the patient is younger'],
    ],
    [
      'ACT from the mother of a 13-year-old',
      ACT,
      facts('guardian', 13),
      ['act: rule answeredBy: only the patient may answer it; this invitation went to a parent or guardian'],
    ],
    [
      'ACT when the age is unknown',
      ACT,
      facts('patient', undefined),
      ["act: rule answeredBy.patient.minAge: for patients aged 12 and older; the patient's age is unknown"],
    ],
    ['C-ACT from the parent of a 7-year-old', C_ACT, facts('guardian', 7), []],
    ['C-ACT from the parent of a 4-year-old', C_ACT, facts('guardian', 4), []],
    [
      'C-ACT for a 3-year-old',
      C_ACT,
      facts('guardian', 3),
      ['c-act: rule answeredBy.guardian.minAge: for patients aged 4 to 11; the patient is younger'],
    ],
    [
      'C-ACT for a 16-year-old',
      C_ACT,
      facts('guardian', 16),
      ['c-act: rule answeredBy.guardian.maxAge: for patients aged 4 to 11; the patient is older'],
    ],
    [
      "C-ACT sent at the child's own invitation",
      C_ACT,
      facts('patient', 11),
      ['c-act: rule answeredBy: only a parent or guardian may answer it; this invitation went to the patient'],
    ],
    ['SDM-Q9 from a 16-year-old after a medication change', SDM_Q9, facts('patient', 16), []],
    ['SDM-Q9 from a parent of a 7-year-old', SDM_Q9, facts('guardian', 7), []],
    [
      'SDM-Q9 from a 13-year-old',
      SDM_Q9,
      facts('patient', 13),
      ['sdm-q9: rule answeredBy.patient.minAge: for patients aged 16 and older; the patient is younger'],
    ],
    [
      'SDM-Q9 after an evaluation visit',
      SDM_Q9,
      facts('guardian', 7, 'evaluation'),
      [
        'sdm-q9: rule keyMoments: it is asked only after medication-change, treatment-choice; this invitation was for evaluation',
      ],
    ],
    [
      'SDM-Q9 for a Task without a key moment',
      SDM_Q9,
      { role: 'guardian', age: 7, keyMoment: undefined },
      [
        'sdm-q9: rule keyMoments: it is asked only after medication-change, treatment-choice; this invitation was for no recorded key moment',
      ],
    ],
    ['a questionnaire without rules, from anyone', FREE, facts('guardian', undefined, 'evaluation'), []],
  ])('%s', (_name, mapping, given, expected) => {
    const problems = instrumentProblems(mapping, given, 'QuestionnaireResponse.questionnaire');
    expect(problems.map((p) => p.message)).toEqual(expected);
    for (const problem of problems) expect(problem.code).toBe('business-rule');
  });
});
