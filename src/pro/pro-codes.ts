/**
 * Systems and codes of patient-reported results. Everything under sdm-bridge.org is the project's
 * own: no public code (LOINC, SNOMED CT) was confirmed for these instruments, and an invented
 * LOINC code would mislead every system that reads it. A confirmed code can be added later as an
 * extra coding on `item.code` in the Questionnaire files.
 */

/** SDC: extract this item (or every item below it) as an Observation. */
export const SDC_OBSERVATION_EXTRACT =
  'http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-observationExtract';

/** SDC: Observation.category of extracted Observations; the nearest level that has it wins. */
export const SDC_EXTRACT_CATEGORY =
  'http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-observation-extract-category';

/** FHIR core: the lowest and highest answer allowed (integer, decimal, date). */
export const MIN_VALUE_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/minValue';
/** FHIR core: see MIN_VALUE_EXTENSION. */
export const MAX_VALUE_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/maxValue';

/** FHIR core: the number an answer option counts for in a score. */
export const ORDINAL_VALUE_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/ordinalValue';

/** FHIR core: the unit of a numeric question; the Observation then gets a Quantity. */
export const QUESTIONNAIRE_UNIT_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/questionnaire-unit';

/** The project's extension on a Questionnaire naming its scoring (a code of PRO_SCORE_SYSTEM). */
export const SCORING_EXTENSION = 'https://sdm-bridge.org/fhir/StructureDefinition/scoring';

/** Observation categories (http://terminology.hl7.org/CodeSystem/observation-category). */
export const OBSERVATION_CATEGORY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/observation-category';

/** The category every extracted and computed Observation carries. */
export const SURVEY_CATEGORY = { system: OBSERVATION_CATEGORY_SYSTEM, code: 'survey', display: 'Survey' } as const;

/** The project's CodeSystem for the questions of the shipped Questionnaires (code = linkId). */
export const PRO_ITEM_SYSTEM = 'https://sdm-bridge.org/fhir/CodeSystem/pro-item';

/** The project's CodeSystem for computed scores. */
export const PRO_SCORE_SYSTEM = 'https://sdm-bridge.org/fhir/CodeSystem/pro-score';

/** The project's CodeSystem for asthma control bands (ACT, C-ACT). */
export const ASTHMA_CONTROL_SYSTEM = 'https://sdm-bridge.org/fhir/CodeSystem/asthma-control';

/** Identifier system of the QuestionnaireResponses the service writes for platform results. */
export const RESULT_ID_SYSTEM = 'https://sdm-bridge.org/fhir/NamingSystem/result-id';

/** Identifier system of extracted and computed Observations: deterministic, so a retry finds them. */
export const RESULT_OBSERVATION_ID_SYSTEM = 'https://sdm-bridge.org/fhir/NamingSystem/result-observation-id';

/** The project's CodeSystem for Task.output types. */
export const TASK_OUTPUT_TYPE_SYSTEM = 'https://sdm-bridge.org/fhir/CodeSystem/task-output-type';

/** Task.output type of the result of an invitation. */
export const TASK_OUTPUT_RESULT = { code: 'questionnaire-response', display: 'Ingevulde vragenlijst' } as const;

/** Task.output type of a score written without its response (the storage policy of a rating of the clinician). */
export const TASK_OUTPUT_SCORE = { code: 'score', display: 'Score van een ingevulde vragenlijst' } as const;

/** UCUM unit of a dimensionless score. */
export const SCORE_UNIT = { unit: 'score', system: 'http://unitsofmeasure.org', code: '{score}' } as const;

/**
 * The project's extension on a QuestionnaireResponse naming the invitation it answers (a Reference
 * to the Task with the invitation identifier). R4's basedOn does not allow a Task as its target.
 */
export const INVITATION_EXTENSION = 'https://sdm-bridge.org/fhir/StructureDefinition/invitation';

/**
 * Task states in which an invitation is over without a result: a result for one is refused at
 * intake (find-invitation.ts), and a late one already accepted is stored but does not reopen it (write-result.ts).
 */
export const CLOSED_TASK_STATES: ReadonlySet<string> = new Set(['cancelled', 'rejected', 'failed', 'entered-in-error']);
