import { stringify } from 'yaml';

/**
 * Generated mapping files for the rules benchmark: what a hospital's files look like once many
 * departments each wrote their own triggers. Every trigger is of a kind the example files show
 * (a medication change by ATC group, a treatment plan by activity code, a finished visit by
 * reason, a new diagnosis, an operation, a referral), spread over departments and age groups, so
 * most of them are for other codes or other resource types than any one event.
 */

const ATC = 'http://www.whocc.no/atc';
const SNOMED = 'http://snomed.info/sct';
const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';

/** Departments (Organization ids) the generated triggers are written for. */
const DEPARTMENTS = [
  'kindergeneeskunde',
  'kinderlongziekten',
  'kindercardiologie',
  'kinderneurologie',
  'kinderendocrinologie',
  'kinderreumatologie',
  'cardiologie',
  'longziekten',
  'reumatologie',
  'neurologie',
  'interne-geneeskunde',
  'maag-darm-leverziekten',
  'dermatologie',
  'oncologie',
  'nefrologie',
  'psychiatrie',
  'geriatrie',
  'orthopedie',
  'urologie',
  'gynaecologie',
];

/** ATC groups of chronic medication with a known decision aid (diabetes, heart, rheumatism, epilepsy, ...). */
const ATC_GROUPS = [
  'A10A',
  'A10B',
  'A07EC',
  'B01AA',
  'B01AF',
  'C03',
  'C07',
  'C08',
  'C09A',
  'C09C',
  'C10AA',
  'D05B',
  'D11AH',
  'G03A',
  'H02AB',
  'H03A',
  'J05AR',
  'L01EA',
  'L01XC',
  'L02BA',
  'L04AA',
  'L04AB',
  'L04AC',
  'L04AX',
  'M01AE',
  'M04AA',
  'M05BA',
  'N02AA',
  'N03AA',
  'N03AF',
  'N03AG',
  'N03AX',
  'N05AH',
  'N06AB',
  'N06BA',
  'N07BA',
  'R03AK',
  'R03BA',
  'R03DC',
  'R06AX',
];

/** SNOMED CT conditions that lead to decision aids or outcome measures (reason of a visit, a diagnosis). */
const CONDITIONS = [
  '195967001',
  '46635009',
  '44054006',
  '190905008',
  '84757009',
  '34000006',
  '410795001',
  '69896004',
  '13645005',
  '38341003',
  '49436004',
  '84114007',
  '73211009',
  '363406005',
  '254637007',
  '93761005',
  '35489007',
  '239873007',
  '396275006',
  '90560007',
  '235595009',
  '64766004',
  '24700007',
  '236077008',
  '197480006',
  '414916001',
  '399068003',
  '254632001',
  '363346000',
  '126906006',
];

/** SNOMED CT procedures and care-plan activities (an operation, a management plan). */
const PROCEDURES = [
  '406162001',
  '698360004',
  '736271009',
  '385804009',
  '710081004',
  '713058002',
  '182856006',
  '410201002',
  '18286008',
  '80146002',
  '174041007',
  '52734007',
  '65200003',
  '232717009',
  '387713003',
  '71388002',
  '44946007',
  '77465005',
];

const AGE_GROUPS: { minAge: number; maxAge: number; recipients: string[] }[] = [
  { minAge: 0, maxAge: 11, recipients: ['guardian'] },
  { minAge: 12, maxAge: 17, recipients: ['patient', 'guardian'] },
  { minAge: 18, maxAge: 150, recipients: ['patient'] },
];

const MEDICATION_AGREEMENT = `category.coding.where(system = '${SNOMED}' and code = '16076005').exists() and status != 'draft' and status != 'entered-in-error'`;
const FINISHED_VISIT = `status = 'finished' and class.where(system = '${ACT_CODE}' and (code = 'AMB' or code = 'IMP')).exists()`;

type Trigger = Record<string, unknown>;

/** One kind of trigger; `n` picks codes and departments so that every generated trigger differs. */
const KINDS: ((n: number) => Trigger)[] = [
  (n) => ({
    keyMoment: 'medication-change',
    resourceType: 'MedicationRequest',
    condition: MEDICATION_AGREEMENT,
    codes: [{ system: ATC, prefix: pick(ATC_GROUPS, n) }],
    throttle: 'P30D',
  }),
  (n) => ({
    keyMoment: 'evaluation',
    resourceType: 'Encounter',
    condition: FINISHED_VISIT,
    codes: [0, 1, 2].map((k) => ({ path: 'reasonCode', system: SNOMED, code: pick(CONDITIONS, n + k * 7) })),
    throttle: 'P90D',
  }),
  (n) => ({
    keyMoment: 'treatment-choice',
    resourceType: 'CarePlan',
    condition: "status = 'active' and intent = 'plan'",
    codes: [{ path: 'activity.detail.code', system: SNOMED, code: pick(PROCEDURES, n) }],
    throttle: 'P14D',
  }),
  (n) => ({
    keyMoment: 'treatment-choice',
    resourceType: 'Condition',
    interactions: ['create'],
    condition: "verificationStatus.coding.where(code = 'confirmed').exists()",
    codes: [{ system: SNOMED, code: pick(CONDITIONS, n) }],
    throttle: 'P90D',
  }),
  (n) => ({
    keyMoment: 'evaluation',
    resourceType: 'Procedure',
    condition: "status = 'completed'",
    codes: [{ system: SNOMED, code: pick(PROCEDURES, n) }],
    throttle: 'P90D',
  }),
  (n) => ({
    keyMoment: 'treatment-choice',
    resourceType: 'ServiceRequest',
    condition: "status = 'active' and intent = 'order'",
    codes: [{ system: SNOMED, code: pick(PROCEDURES, n + 3) }],
    throttle: 'P30D',
  }),
];

/** Every this many triggers one has no code filter: "every finished visit at this department" (a PREM). */
const CODELESS_EVERY = 25;

/**
 * A mapping file with `count` generated triggers (ids `gen-0001`, ...) and the two decision aids
 * they name. Deterministic: the same count gives the same file.
 */
export function generatedMappingFile(count: number): string {
  const triggers: Trigger[] = [];
  for (let n = 0; n < count; n++) {
    const kind =
      n % CODELESS_EVERY === CODELESS_EVERY - 1 ? codelessVisit(n) : pick(KINDS, n)(Math.floor(n / KINDS.length));
    const ages = pick(AGE_GROUPS, Math.floor(n / 2));
    triggers.push({
      id: `gen-${String(n + 1).padStart(4, '0')}`,
      ...kind,
      patient: {
        minAge: ages.minAge,
        maxAge: ages.maxAge,
        departments: [`Organization/${pick(DEPARTMENTS, Math.floor(n / 3))}`],
      },
      decisionAid: n % 2 ? 'generated-link' : 'generated-api',
      recipients: ages.recipients,
    });
  }
  return stringify({ decisionAids: GENERATED_AIDS, triggers }, { lineWidth: 0, aliasDuplicateObjects: false });
}

function codelessVisit(n: number): Trigger {
  return {
    keyMoment: 'evaluation',
    resourceType: 'Encounter',
    condition: FINISHED_VISIT,
    throttle: `P${30 + (n % 60)}D`,
  };
}

/** Environment the generated decision aids need (a link secret, by name as in real files). */
export const GENERATED_AIDS_ENV = { GENERATED_LINK_SECRET: 'generated-link-secret-for-the-benchmark-0123456789' };

const GENERATED_AIDS = [
  {
    id: 'generated-api',
    title: 'Keuzehulp (gegenereerd)',
    activityDefinition: 'https://keuzehulp.example.org/fhir/ActivityDefinition/generated|1.0',
    delivery: {
      type: 'http-api',
      url: 'http://127.0.0.1:4010/api/invitations',
      auth: { type: 'none' },
      body: { aid: 'generated' },
      linkField: 'invitation.url',
    },
  },
  {
    id: 'generated-link',
    title: 'Vragenlijst (gegenereerd)',
    activityDefinition: 'https://vragenlijst.example.org/fhir/ActivityDefinition/generated|1.0',
    delivery: {
      type: 'signed-link',
      baseUrl: 'http://127.0.0.1:4010/start/generated',
      secretEnv: 'GENERATED_LINK_SECRET',
    },
  },
];

function pick<T>(list: readonly T[], n: number): T {
  return list[n % list.length] as T;
}
