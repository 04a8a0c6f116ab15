import type { KpiRecord } from './kpi-record.js';
import type { DecidedTogetherMeasure } from './kpi-settings.js';

/** One patient at one key moment, with the one answer that counts for them. */
export interface PatientAnswer {
  patient: string;
  /** The key moment event (`Type/id` of the triggering resource). */
  trigger: string;
  /** Whose answer it is. */
  respondent: KpiRecord['respondent'];
  /** "Decided together" by the chosen measure. */
  together: boolean;
  /** The SDM-Q9 total of that answer, when it was an SDM-Q9. */
  sdmQ9?: number;
}

/**
 * The unit of the figures is the patient at a key moment, not the respondent: a child and two
 * parents who all answer are one patient, not three. Per patient and key moment event the
 * patient's own answer counts; without one, a parent's (the one answered first). The patient's
 * own exists only where the rules invite the patient (from 12 by the WGBO ages) and the instrument
 * may be answered by them (the SDM-Q9 from 16); below that a parent's answer counts. Pure.
 */
export function oneAnswerPerPatient(
  records: readonly KpiRecord[],
  measure: DecidedTogetherMeasure,
  sdmThreshold: number,
): PatientAnswer[] {
  const chosen = new Map<string, KpiRecord>();
  for (const record of records) {
    if (!answersMeasure(record, measure)) continue;
    const key = `${record.patient}|${record.trigger}`;
    const current = chosen.get(key);
    if (!current || preferred(record, current)) chosen.set(key, record);
  }
  return [...chosen.values()].map((record) => ({
    patient: record.patient,
    trigger: record.trigger,
    respondent: record.respondent,
    together: measure === 'sdm-q9' ? (record.sdmQ9 ?? -1) >= sdmThreshold : record.collaborateTopBox === true,
    ...(record.sdmQ9 !== undefined ? { sdmQ9: record.sdmQ9 } : {}),
  }));
}

function answersMeasure(record: KpiRecord, measure: DecidedTogetherMeasure): boolean {
  return measure === 'sdm-q9' ? record.sdmQ9 !== undefined : record.collaborateTopBox !== undefined;
}

/** The patient's own answer over a parent's; between equals, the one answered first (then by Task id, for a stable pick). */
function preferred(candidate: KpiRecord, current: KpiRecord): boolean {
  if (candidate.respondent !== current.respondent) return candidate.respondent === 'patient';
  const [a, b] = [candidate.daysToCompletion ?? Infinity, current.daysToCompletion ?? Infinity];
  return a !== b ? a < b : candidate.task < current.task;
}
