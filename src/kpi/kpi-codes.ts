/**
 * Systems, codes and fixed numbers of the KPIs. Everything under sdm-bridge.org is the project's
 * own; the population codes are FHIR's (measure-population).
 */

/** Canonical URL of the shipped Measure (mappings/measures/sdm-measure.json). */
export const MEASURE_URL = 'https://sdm-bridge.org/fhir/Measure/sdm-kpi';

/** Version of the Measure; a MeasureReport names the exact version it follows. */
export const MEASURE_VERSION = '1.1.0';

/** Identifier system of the MeasureReports this service writes: value `sdm-kpi-<YYYY-MM>`, one per month (no `|` in it: servers split tokens there). */
export const MEASURE_REPORT_ID_SYSTEM = 'https://sdm-bridge.org/fhir/NamingSystem/measure-report-id';

/** FHIR's population types (http://terminology.hl7.org/CodeSystem/measure-population). */
export const POPULATION_SYSTEM = 'http://terminology.hl7.org/CodeSystem/measure-population';

/** The project's CodeSystem for the Measure's groups (one per figure). */
export const KPI_GROUP_SYSTEM = 'https://sdm-bridge.org/fhir/CodeSystem/kpi-group';

/** The project's CodeSystem for the Measure's stratifiers. */
export const KPI_STRATIFIER_SYSTEM = 'https://sdm-bridge.org/fhir/CodeSystem/kpi-stratifier';

/** Stratum values of the department stratifier: the Organization reference as code, its name as display. */
export const DEPARTMENT_REFERENCE_SYSTEM = 'https://sdm-bridge.org/fhir/CodeSystem/department-reference';

/** A decision aid's canonical URL is itself the code (RFC 3986: the codes are URIs). */
export const URI_SYSTEM = 'urn:ietf:rfc:3986';

/** The project's extension on a MeasureReport group: the SDM-Q9 threshold or the target it was computed with. */
export const KPI_SETTING_EXTENSION = 'https://sdm-bridge.org/fhir/StructureDefinition/kpi-setting';

/** FHIR core: why a value is missing; `masked` = withheld to protect privacy (small cells). */
export const DATA_ABSENT_REASON = 'http://hl7.org/fhir/StructureDefinition/data-absent-reason';

/**
 * Cells with fewer respondents than this are suppressed: with four answers or fewer a care team
 * can tell who said what. Five is the usual small-cell rule of Dutch health statistics.
 */
export const MIN_RESPONDENTS = 5;

/** The Measure's groups, in the order of the page and the MeasureReport. */
export const KPI_GROUP = {
  keyMoments: { code: 'key-moment-events', display: 'Sleutelmomenten met een uitnodiging' },
  completion: { code: 'invitation-completion', display: 'Uitnodigingen en respons' },
  timeToCompletion: { code: 'time-to-completion', display: 'Doorlooptijd tot resultaat' },
  sdmQ9Mean: { code: 'sdm-q9-mean', display: 'SDM-Q9 gemiddelde score' },
  decidedTogether: { code: 'decided-together', display: 'Aandeel samen beslist' },
} as const;

/** The Measure's stratifiers. */
export const KPI_STRATIFIER = {
  keyMoment: { code: 'key-moment', display: 'Sleutelmoment' },
  department: { code: 'department', display: 'Afdeling' },
  decisionAid: { code: 'decision-aid', display: 'Keuzehulp' },
} as const;

/** The label of a department that could not be found (no Encounter.serviceProvider, no managingOrganization). */
export const UNKNOWN_DEPARTMENT = { key: 'unknown', label: 'onbekende afdeling' } as const;
