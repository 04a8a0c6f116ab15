import type { AuditEvent, Patient, Task } from '@medplum/fhirtypes';
import type { EpdClient } from '../epd/epd-client.js';
import { EpdError } from '../epd/epd-error.js';
import type { InvitationJobData } from '../queue/job-types.js';
import type { DecisionAid } from '../rules/types.js';
import { AppError } from '../shared/errors.js';
import { assertValidResource } from '../shared/fhir-definitions.js';
import { buildKt2AuditEvent, kt2AuditQuery } from './build-kt2-audit-event.js';
import { buildKt2Patient, storeIdentifierOf } from './build-kt2-patient.js';
import { buildKt2Task, kt2TaskQuery } from './build-kt2-task.js';
import type { KoppeltaalSettings } from './koppeltaal-settings.js';

/** The Koppeltaal store (its own client and token), the EPD to read the patient from, and a clock. */
export interface Kt2WriteDeps {
  store: EpdClient;
  epd: EpdClient;
  settings: Pick<KoppeltaalSettings, 'deviceId' | 'patientIdentifierSystem'>;
  now: () => Date;
}

/** The invitation as the EPD recorded it: the job, its aid, and the care team's Task (with the link). */
export interface Kt2WriteInput {
  job: InvitationJobData;
  aid: DecisionAid;
  epdTask: Task;
}

/** What was written in the store (or found there from an earlier attempt). */
export interface Kt2WriteResult {
  taskId: string;
  created: boolean;
  auditEventId: string;
}

/**
 * Writes the KT2Task of one invitation to the Koppeltaal store, then its KT2AuditEvent. Every step
 * is a conditional create (Patient on its identifier, Task on the invitation id, AuditEvent on its
 * key), so a retried or replayed job writes nothing twice. A failure of the store is thrown as the
 * client's EpdError: transient ones retry the job, which finds the EPD's Task already settled.
 */
export async function writeKt2Task(deps: Kt2WriteDeps, input: Kt2WriteInput): Promise<Kt2WriteResult> {
  const { job, aid, epdTask } = input;
  if (job.recipient.role !== 'patient')
    throw new AppError('a KT2Task can only be owned by the patient, not a guardian (Koppeltaal 2.0 v0.8)', {
      status: 422,
      retry: false,
      code: 'not-supported',
    });
  const patient = await storePatient(deps, job.patient);
  const now = deps.now().toISOString();
  const task = buildKt2Task({
    invitationId: job.invitationId,
    aid,
    patient,
    status: epdTask.status === 'on-hold' ? 'on-hold' : 'ready',
    deviceId: deps.settings.deviceId,
    now,
  });
  const written = await inStore(() =>
    deps.store.createIfNoneExist<Task>(assertValidResource(task), kt2TaskQuery(job.invitationId)),
  );
  const taskRef = `Task/${written.resource.id ?? ''}`;
  const auditInput = { task: taskRef, patient, invitationId: job.invitationId, deviceId: deps.settings.deviceId };
  const event = assertValidResource(buildKt2AuditEvent({ ...auditInput, recorded: now }));
  const audit = await inStore(() => deps.store.createIfNoneExist<AuditEvent>(event, kt2AuditQuery(auditInput)));
  return { taskId: written.resource.id ?? '', created: written.created, auditEventId: audit.resource.id ?? '' };
}

/**
 * The patient's `Patient/<id>` in the store, found by identifier (BSN by default). Why search first:
 * only a patient the store does not know yet has their name, gender and birth date sent (what
 * KT2Patient requires); the conditional create keeps two concurrent jobs from making two.
 */
async function storePatient(deps: Kt2WriteDeps, epdPatient: string): Promise<string> {
  const patient = await deps.epd.read<Patient>(epdPatient);
  const identifier = storeIdentifierOf(patient, deps.settings.patientIdentifierSystem);
  const query = `identifier=${identifier.system}|${encodeURIComponent(identifier.value ?? '')}`;
  const [found] = await inStore(() =>
    deps.store.search<Patient>('Patient', { identifier: `${identifier.system}|${identifier.value}` }),
  );
  if (found?.id) return `Patient/${found.id}`;
  const kt2Patient = assertValidResource(buildKt2Patient(patient, identifier, deps.settings.deviceId));
  const created = await inStore(() => deps.store.createIfNoneExist<Patient>(kt2Patient, query));
  return `Patient/${created.resource.id ?? ''}`;
}

/**
 * The store is reached with the EPD's client code, whose errors say "EPD …". Why rename: an operator
 * reading a failed job must see which server failed; status, retry and Retry-After stay as they were.
 */
async function inStore<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (!(err instanceof EpdError)) throw err;
    const rename = (text: string) => text.replace(/^EPD /, 'Koppeltaal store: ');
    throw new EpdError(rename(err.message), {
      status: err.status,
      retry: err.retry,
      problems: err.problems.map((problem) => ({ ...problem, message: rename(problem.message) })),
      ...(err.retryAfterMs !== undefined ? { retryAfterMs: err.retryAfterMs } : {}),
      cause: err,
    });
  }
}
