import type { Observation, QuestionnaireResponse, Task } from '@medplum/fhirtypes';
import {
  INVITATION_TASK_CODE,
  KEY_MOMENT_DISPLAY,
  KEY_MOMENT_SYSTEM,
  RECIPIENT_ROLE_SYSTEM,
  TASK_CODE_SYSTEM,
} from '../decision-aids/invitation-task-codes.js';
import type { EpdClient } from '../epd/epd-client.js';
import { PRO_SCORE_SYSTEM } from '../pro/pro-codes.js';
import { COLLABORATE_TOP_BOX } from '../pro/score-questionnaire.js';
import type { KeyMoment, RecipientRole } from '../rules/types.js';
import type { Dimension, InvitationState, KpiRecord } from './kpi-record.js';
import { addMonths, monthOf, monthStart, type Month } from './month-period.js';
import { createDepartmentResolver } from './resolve-department.js';

/** What reading the record needs: the EPD, the KPI calendar, and the aids' names from the mapping files. */
export interface KpiReadDeps {
  epd: EpdClient;
  timeZone: string;
  /** The title of a decision aid by its canonical URL (Task.instantiatesCanonical); undefined: unknown. */
  aidTitle: (canonical: string) => string | undefined;
}

/** Code of the SDM-Q9 total score Observation (src/pro/score-questionnaire.ts). */
const SDM_Q9_TOTAL = 'sdm-q9-total';
/** Ids per `_id` / `derived-from` search: keeps the URL well under the 8 KB many servers accept. */
const IDS_PER_SEARCH = 50;
/** Departments resolved at once: a few parallel reads, not thousands, on a busy EPD. */
const DEPARTMENT_READS_AT_ONCE = 8;
/** Entries per search page. */
const PAGE_SIZE = '200';
const DAY_MS = 86_400_000;

/** Task statuses by what they mean for the figures; the others (draft, cancelled, entered-in-error) are left out. */
const STATE_OF: Readonly<Record<string, InvitationState>> = {
  requested: 'pending',
  received: 'pending',
  accepted: 'pending',
  ready: 'sent',
  'in-progress': 'sent',
  completed: 'sent',
  failed: 'failed',
  rejected: 'failed',
  'on-hold': 'failed',
};

/**
 * Reads the invitations of a range of months from the record by FHIR search, so the figures stay
 * true whatever happened to Redis: the invitation Tasks (`Task?code=…&authored-on=…`), the
 * QuestionnaireResponses of the completed ones (`_id=…`), and their SDM-Q9 scores
 * (`Observation?code=…&derived-from=…`). Invitations count in the month they were sent.
 */
export async function readKpiRecords(deps: KpiReadDeps, from: Month, to: Month): Promise<KpiRecord[]> {
  const tasks = (
    await deps.epd.search<Task>('Task', {
      code: `${TASK_CODE_SYSTEM}|${INVITATION_TASK_CODE}`,
      'authored-on': [`ge${monthStart(from, deps.timeZone)}`, `lt${monthStart(addMonths(to, 1), deps.timeZone)}`],
      _count: PAGE_SIZE,
    })
  ).filter((task) => task.id && task.authoredOn && STATE_OF[task.status]);
  const responses = await readResponses(deps.epd, tasks.flatMap(responseRefsOf));
  const scores = await readScores(deps.epd, [...responses.keys()], SDM_Q9_TOTAL);
  const topBoxes = await readScores(deps.epd, [...responses.keys()], COLLABORATE_TOP_BOX);
  // Scores written without their response (a rating of the clinician, by the storage policy) are the Task's output themselves.
  const outputScores = await readOutputScores(
    deps.epd,
    tasks.flatMap((t) => outputRefsOf(t, 'Observation')),
  );
  for (const [ref, score] of outputScores) {
    if (score.code === SDM_Q9_TOTAL) scores.set(ref, score.value);
    if (score.code === COLLABORATE_TOP_BOX) topBoxes.set(ref, score.value);
  }
  const departmentOf = createDepartmentResolver(deps.epd);
  const records: KpiRecord[] = [];
  for (let start = 0; start < tasks.length; start += DEPARTMENT_READS_AT_ONCE) {
    const batch = tasks.slice(start, start + DEPARTMENT_READS_AT_ONCE);
    const departments = await Promise.all(batch.map(departmentOf));
    batch.forEach((task, i) =>
      records.push(toRecord(task, departments[i]!, responses, { sdm: scores, topBox: topBoxes }, deps)),
    );
  }
  return records.filter((r) => r.month >= from && r.month <= to);
}

function toRecord(
  task: Task,
  department: Dimension,
  responses: Map<string, QuestionnaireResponse>,
  scores: { sdm: Map<string, number>; topBox: Map<string, number> },
  deps: KpiReadDeps,
): KpiRecord {
  const refs = [...responseRefsOf(task), ...outputRefsOf(task, 'Observation')];
  const completed = task.status === 'completed' && (task.output?.length ?? 0) > 0;
  const finishedAt = completed
    ? completionTime(
        task,
        refs.map((ref) => responses.get(ref)),
      )
    : undefined;
  const score = refs.map((ref) => scores.sdm.get(ref)).find((s) => s !== undefined);
  const topBox = refs.map((ref) => scores.topBox.get(ref)).find((s) => s !== undefined);
  const canonical = task.instantiatesCanonical ?? '';
  return {
    task: `Task/${task.id}`,
    patient: task.for?.reference ?? `Task/${task.id}`,
    respondent: respondentOf(task),
    month: monthOf(task.authoredOn!, deps.timeZone),
    keyMoment: keyMomentOf(task),
    department,
    decisionAid: {
      key: canonical || 'unknown',
      label: deps.aidTitle(canonical) ?? (canonical || 'onbekende keuzehulp'),
    },
    trigger: (task.focus?.reference ?? `Task/${task.id}`).split('/_history/')[0]!,
    state: STATE_OF[task.status]!,
    completed,
    ...(finishedAt
      ? { daysToCompletion: Math.max(0, (Date.parse(finishedAt) - Date.parse(task.authoredOn!)) / DAY_MS) }
      : {}),
    ...(score !== undefined ? { sdmQ9: score } : {}),
    ...(topBox !== undefined ? { collaborateTopBox: topBox === 1 } : {}),
  };
}

/** When the results came: the earliest authored of the responses, else when the Task was completed. */
function completionTime(task: Task, responses: (QuestionnaireResponse | undefined)[]): string | undefined {
  const authored = responses
    .flatMap((r) => (r?.authored ? [r.authored] : []))
    .sort((a, b) => Date.parse(a) - Date.parse(b));
  return authored[0] ?? task.executionPeriod?.end ?? task.lastModified;
}

function keyMomentOf(task: Task): Dimension {
  const code = task.reasonCode?.coding?.find((c) => c.system === KEY_MOMENT_SYSTEM)?.code;
  if (!code) return { key: 'unknown', label: 'onbekend sleutelmoment' };
  return { key: code, label: KEY_MOMENT_DISPLAY[code as KeyMoment] ?? code };
}

/** `QuestionnaireResponse/id` of every output of a Task. */
function responseRefsOf(task: Task): string[] {
  return outputRefsOf(task, 'QuestionnaireResponse');
}

/** `Type/id` of every output of a Task of that type. */
function outputRefsOf(task: Task, type: 'QuestionnaireResponse' | 'Observation'): string[] {
  return (task.output ?? []).flatMap((o) => {
    const ref = o.valueReference?.reference ?? '';
    return ref.startsWith(`${type}/`) && ref.split('/').length === 2 ? [ref] : [];
  });
}

/** The score Observations a Task names as its output, by `Observation/id`: their code and value. */
async function readOutputScores(
  epd: EpdClient,
  refs: readonly string[],
): Promise<Map<string, { code: string; value: number }>> {
  const found = new Map<string, { code: string; value: number }>();
  for (const ids of chunks([...new Set(refs)].map((ref) => ref.split('/')[1]!))) {
    for (const o of await epd.search<Observation>('Observation', { _id: ids.join(','), _count: PAGE_SIZE })) {
      const code = o.code.coding?.find((c) => c.system === PRO_SCORE_SYSTEM)?.code;
      const value = o.valueQuantity?.value;
      if (code && typeof value === 'number' && o.status !== 'entered-in-error' && o.status !== 'cancelled')
        found.set(`Observation/${o.id}`, { code, value });
    }
  }
  return found;
}

async function readResponses(epd: EpdClient, refs: readonly string[]): Promise<Map<string, QuestionnaireResponse>> {
  const found = new Map<string, QuestionnaireResponse>();
  for (const ids of chunks([...new Set(refs)].map((ref) => ref.split('/')[1]!))) {
    for (const r of await epd.search<QuestionnaireResponse>('QuestionnaireResponse', {
      _id: ids.join(','),
      _count: PAGE_SIZE,
    })) {
      found.set(`QuestionnaireResponse/${r.id}`, r);
    }
  }
  return found;
}

/** Who was invited: the recipient role on the Task, else a RelatedPerson owner is a parent. */
function respondentOf(task: Task): RecipientRole {
  const coded = task.input?.find((i) => i.valueCoding?.system === RECIPIENT_ROLE_SYSTEM)?.valueCoding?.code;
  if (coded === 'patient' || coded === 'guardian') return coded;
  return task.owner?.reference?.startsWith('RelatedPerson/') ? 'guardian' : 'patient';
}

/** A score per `QuestionnaireResponse/id`; Observations entered in error or cancelled do not count. */
async function readScores(epd: EpdClient, responseRefs: readonly string[], code: string): Promise<Map<string, number>> {
  const scores = new Map<string, number>();
  for (const refs of chunks(responseRefs)) {
    const observations = await epd.search<Observation>('Observation', {
      code: `${PRO_SCORE_SYSTEM}|${code}`,
      'derived-from': refs.join(','),
      _count: PAGE_SIZE,
    });
    for (const o of observations) {
      const value = o.valueQuantity?.value;
      const from = o.derivedFrom?.find((d) => d.reference?.startsWith('QuestionnaireResponse/'))?.reference;
      if (from && typeof value === 'number' && o.status !== 'entered-in-error' && o.status !== 'cancelled')
        scores.set(from, value);
    }
  }
  return scores;
}

function chunks<T>(items: readonly T[]): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += IDS_PER_SEARCH) result.push(items.slice(i, i + IDS_PER_SEARCH));
  return result;
}
