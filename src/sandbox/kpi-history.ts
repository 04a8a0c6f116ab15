import type { MemoryRepository } from '@medplum/fhir-router';
import type {
  CarePlan,
  Encounter,
  MedicationRequest,
  Observation,
  Organization,
  Patient,
  QuestionnaireResponse,
  Resource,
  Task,
} from '@medplum/fhirtypes';
import { buildInvitationTask } from '../decision-aids/build-invitation-task.js';
import { addMonths, monthOf } from '../kpi/month-period.js';
import { invitationExtension } from '../pro/build-result-resources.js';
import { PRO_SCORE_SYSTEM, SCORE_UNIT, TASK_OUTPUT_RESULT, TASK_OUTPUT_TYPE_SYSTEM } from '../pro/pro-codes.js';
import type { DecisionAid, KeyMoment } from '../rules/types.js';
import { assertValidResource } from '../shared/fhir-definitions.js';

/*
 * A generated half year of invitations, as sdm-bridge would have written them to the record:
 * the demo prints its figures (with enough answers to show them), and the KPI tests count them
 * against their own oracle. Sample data, clearly labelled wherever it is shown.
 */

/** The two shipped decision aids, as the Tasks name them. */
export const KPI_HISTORY_AIDS = {
  astma: {
    canonical: 'https://keuzehulp.example.org/fhir/ActivityDefinition/astma-kind|2.1',
    title: 'Keuzehulp astma voor kinderen en ouders',
  },
  pg: {
    canonical: 'https://positievegezondheid.example.org/fhir/ActivityDefinition/kind|1.0',
    title: 'Mijn Positieve Gezondheid - gesprekshulp voor kinderen en ouders',
  },
} as const;

/** Departments of the sample hospital (Organization ids and names). */
export const KPI_HISTORY_DEPARTMENTS = {
  longziekten: 'Kinderlongziekten',
  kindergeneeskunde: 'Algemene kindergeneeskunde',
} as const;

/** One invitation of the sample record, with what became of it. */
export interface HistoryInvitation {
  /** Task id and invitation id. */
  id: string;
  authoredOn: string;
  keyMoment: KeyMoment;
  /** Invitations with the same trigger share one focus resource (one key moment, several recipients). */
  trigger: string;
  /** The child's Patient id, `pat-<trigger>` when not given: some children have more than one key moment. */
  patient?: string;
  department: keyof typeof KPI_HISTORY_DEPARTMENTS;
  /** Where the patient's record is managed, when it differs from where the care happened. */
  patientDepartment?: keyof typeof KPI_HISTORY_DEPARTMENTS;
  aid: keyof typeof KPI_HISTORY_AIDS;
  recipient?: 'patient' | 'guardian';
  status?: Task['status'];
  /** Completed: the response was filled in this many days after the invitation. */
  answeredAfterDays?: number;
  /** Completed with an SDM-Q9: its total (0–100). */
  sdmQ9?: number;
}

const DAY_MS = 86_400_000;

/** The Patient id of an invitation's child. */
export function patientOf(inv: HistoryInvitation): string {
  return inv.patient ?? `pat-${inv.trigger}`;
}

/**
 * The record an EPD holds after these invitations, as sdm-bridge writes it: Organizations,
 * Patients, the triggering resources (an Encounter for an evaluation, a CarePlan with an encounter
 * for a treatment choice, a MedicationRequest without one for a medication change, so every way to
 * the department is used), the invitation Tasks (built by the service's own builder), and for
 * completed ones the QuestionnaireResponse and the SDM-Q9 score Observation. Every resource is valid.
 */
export function kpiHistoryResources(plan: readonly HistoryInvitation[]): (Resource & { id: string })[] {
  const out: (Resource & { id: string })[] = Object.entries(KPI_HISTORY_DEPARTMENTS).map(
    ([id, name]) => ({ resourceType: 'Organization', id, name, active: true }) as Organization & { id: string },
  );
  const triggers = new Map<string, HistoryInvitation>();
  for (const inv of plan) if (!triggers.has(inv.trigger)) triggers.set(inv.trigger, inv);
  const patients = new Set<string>();
  for (const [trigger, inv] of triggers) {
    const resources = triggerResources(trigger, inv);
    // A child with a second key moment is written once, as at the first.
    out.push(...resources.filter((r) => r.resourceType !== 'Patient' || !patients.has(r.id)));
    patients.add(patientOf(inv));
  }
  for (const inv of plan) out.push(...invitationResources(inv));
  return out.map((r) => assertValidResource(r));
}

/** Writes the sample record straight into a sandbox store (as if the service had written it). */
export async function storeKpiHistory(repo: MemoryRepository, plan: readonly HistoryInvitation[]): Promise<void> {
  for (const resource of kpiHistoryResources(plan)) await repo.createResource(resource);
}

function triggerResources(trigger: string, inv: HistoryInvitation): (Resource & { id: string })[] {
  const patient: Patient & { id: string } = {
    resourceType: 'Patient',
    id: patientOf(inv),
    birthDate: '2014-05-01',
    managingOrganization: { reference: `Organization/${inv.patientDepartment ?? inv.department}` },
  };
  const subject = { reference: `Patient/${patient.id}` };
  const encounter: Encounter & { id: string } = {
    resourceType: 'Encounter',
    id: `enc-${trigger}`,
    status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
    subject,
    serviceProvider: { reference: `Organization/${inv.department}` },
  };
  if (inv.keyMoment === 'evaluation') return [patient, encounter];
  if (inv.keyMoment === 'treatment-choice') {
    const plan: CarePlan & { id: string } = {
      resourceType: 'CarePlan',
      id: `cp-${trigger}`,
      status: 'active',
      intent: 'plan',
      subject,
      encounter: { reference: `Encounter/${encounter.id}` },
    };
    return [patient, encounter, plan];
  }
  const request: MedicationRequest & { id: string } = {
    resourceType: 'MedicationRequest',
    id: `mr-${trigger}`,
    status: 'active',
    intent: 'order',
    subject,
    medicationCodeableConcept: { text: 'Fluticason' },
  };
  return [patient, request];
}

function focusOf(inv: HistoryInvitation): string {
  const prefix = {
    evaluation: 'Encounter/enc',
    'treatment-choice': 'CarePlan/cp',
    'medication-change': 'MedicationRequest/mr',
  }[inv.keyMoment];
  return `${prefix}-${inv.trigger}/_history/1`;
}

function invitationResources(inv: HistoryInvitation): (Resource & { id: string })[] {
  const patient = `Patient/${patientOf(inv)}`;
  const recipient = inv.recipient === 'guardian' ? `RelatedPerson/rp-${inv.trigger}` : patient;
  const aid = {
    id: inv.aid,
    title: KPI_HISTORY_AIDS[inv.aid].title,
    activityDefinition: KPI_HISTORY_AIDS[inv.aid].canonical,
    koppeltaal: false,
  } as DecisionAid;
  const job = {
    invitationId: inv.id,
    eventKey: `evt-${inv.trigger}`,
    source: 'hix',
    triggerId: `t-${inv.keyMoment}`,
    keyMoment: inv.keyMoment,
    decisionAidId: inv.aid,
    patient,
    recipient: { role: inv.recipient ?? 'patient', reference: recipient },
    focus: focusOf(inv),
    occurredAt: inv.authoredOn,
  };
  const task: Task & { id: string } = {
    ...buildInvitationTask(job, aid, { link: `https://keuzehulp.example.org/start/${inv.id}` }, inv.authoredOn),
    id: inv.id,
    status: inv.status ?? 'ready',
  };
  if (inv.answeredAfterDays === undefined) return [task];
  const authored = new Date(Date.parse(inv.authoredOn) + inv.answeredAfterDays * DAY_MS).toISOString();
  const response: QuestionnaireResponse & { id: string } = {
    resourceType: 'QuestionnaireResponse',
    id: `qr-${inv.id}`,
    status: 'completed',
    questionnaire: 'https://sdm-bridge.org/fhir/Questionnaire/sdm-q9|1.0.0',
    extension: [invitationExtension({ task: `Task/${inv.id}`, invitationId: inv.id })],
    subject: { reference: patient },
    authored,
  };
  task.status = 'completed';
  task.lastModified = authored;
  task.output = [
    {
      type: { coding: [{ system: TASK_OUTPUT_TYPE_SYSTEM, ...TASK_OUTPUT_RESULT }] },
      valueReference: { reference: `QuestionnaireResponse/${response.id}`, type: 'QuestionnaireResponse' },
    },
  ];
  if (inv.sdmQ9 === undefined) return [task, response];
  const score: Observation & { id: string } = {
    resourceType: 'Observation',
    id: `obs-${inv.id}`,
    status: 'final',
    subject: { reference: patient },
    effectiveDateTime: authored,
    code: { coding: [{ system: PRO_SCORE_SYSTEM, code: 'sdm-q9-total', display: 'SDM-Q9 totaalscore' }] },
    valueQuantity: { value: inv.sdmQ9, ...SCORE_UNIT },
    derivedFrom: [{ reference: `QuestionnaireResponse/${response.id}`, type: 'QuestionnaireResponse' }],
  };
  return [task, response, score];
}

/**
 * A realistic half year for the page: per month 7–11 key moments, most with an invitation for the
 * child and one for a parent, about two thirds answered, SDM-Q9 shares that climb towards the
 * target; one month with only three answers (suppressed) and a small department (suppressed rows).
 * Deterministic: the same months give the same record.
 */
export function kpiHistoryPlan(months: readonly string[]): HistoryInvitation[] {
  let state = 20_261_001;
  const random = () => (state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  const moments: KeyMoment[] = ['medication-change', 'treatment-choice', 'evaluation'];
  const plan: HistoryInvitation[] = [];
  months.forEach((month, m) => {
    const sparse = m === 1; // the second month: three answers, suppressed
    const count = sparse ? 4 : 7 + (m % 3) * 2;
    for (let k = 0; k < count; k++) {
      const trigger = `${month}-${k}`;
      const keyMoment = moments[(k + m) % 3]!;
      const department = k === count - 1 && m % 2 === 0 ? 'kindergeneeskunde' : 'longziekten';
      // Every third key moment is the next one of the child before it (same department), so the
      // figures have fewer patients than key moments, as in a real clinic.
      const patient = k % 3 === 1 && k < count - 1 ? `pat-${month}-${k - 1}` : `pat-${trigger}`;
      const day = String(2 + ((k * 3) % 25)).padStart(2, '0');
      const base = {
        authoredOn: `${month}-${day}T09:00:00Z`,
        keyMoment,
        trigger,
        patient,
        department,
        aid: k % 4 === 3 ? 'pg' : 'astma',
      } as const;
      const recipients: ('patient' | 'guardian')[] = k % 3 === 2 ? ['patient'] : ['patient', 'guardian'];
      recipients.forEach((recipient, r) => {
        const id = `kpi-${trigger}-${r}`;
        const failed = (k + r + m) % 11 === 5;
        // The last month's first parent invitation is still waiting for the platform: not delivered yet.
        const pending = !failed && m === months.length - 1 && k === 0 && r === 1;
        const answers = !failed && !pending && (sparse ? k < 3 && r === 0 : random() < 0.72);
        const together = random() < 0.55 + m * 0.06; // the share decided together climbs month by month
        const score = together ? 80 + Math.round(random() * 20) : 40 + Math.round(random() * 38);
        plan.push({
          ...base,
          id,
          recipient,
          ...(failed ? { status: 'failed' as const } : pending ? { status: 'requested' as const } : {}),
          ...(answers ? { answeredAfterDays: 1 + Math.round(random() * 9), sdmQ9: score } : {}),
        });
      });
    }
  });
  return plan;
}

/** The six months before this one: a half year of record for the figures and the page. */
export function historyMonths(now = new Date()): string[] {
  const current = monthOf(now, 'Europe/Amsterdam');
  return [6, 5, 4, 3, 2, 1].map((back) => addMonths(current, -back));
}
