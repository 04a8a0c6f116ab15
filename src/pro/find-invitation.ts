import type { Task } from '@medplum/fhirtypes';
import { invitationTaskQuery } from '../decision-aids/build-invitation-task.js';
import {
  INVITATION_ID_SYSTEM,
  KEY_MOMENT_SYSTEM,
  RECIPIENT_ROLE_SYSTEM,
} from '../decision-aids/invitation-task-codes.js';
import type { EpdClient } from '../epd/epd-client.js';
import { EpdError } from '../epd/epd-error.js';
import { KEY_MOMENTS, type DecisionAid, type KeyMoment, type RecipientRole } from '../rules/types.js';
import { AppError, badInput } from '../shared/errors.js';
import { CLOSED_TASK_STATES } from './pro-codes.js';
import type { InvitationKey } from './result-submission.js';

/** The invitation a result belongs to, by reference: its Task, the patient, and who was invited. */
export interface FoundInvitation {
  invitationId: string;
  /** `Task/id` */
  task: string;
  /** `Patient/id` */
  patient: string;
  author: { role: RecipientRole; reference: string };
  /** The key moment the Task records (reasonCode); undefined for a Task without one. */
  keyMoment?: KeyMoment;
}

/** Far above the 36 characters of the ids this service hands out; anything longer is not one of them. */
const MAX_INVITATION_ID_LENGTH = 128;

/**
 * Finds the invitation Task a result names and checks that the posting aid may answer it: the
 * Task exists, was made for this aid (its ActivityDefinition), and is still open or completed.
 * The patient and the author come from the Task, never from the platform, which knows neither.
 */
export async function findInvitation(epd: EpdClient, key: InvitationKey, aid: DecisionAid): Promise<FoundInvitation> {
  const task = await readTask(epd, key);
  const invitationId = task.identifier?.find((i) => i.system === INVITATION_ID_SYSTEM)?.value;
  if (!task.id || !invitationId) throw unknown(key, 'is not an invitation of this service');
  if (task.instantiatesCanonical !== aid.activityDefinition) {
    throw new AppError(`invitation ${invitationId} is not for decision aid ${aid.id}`, {
      status: 403,
      code: 'security',
      retry: false,
    });
  }
  if (CLOSED_TASK_STATES.has(task.status)) {
    throw new AppError(`invitation ${invitationId} is ${task.status}; it takes no result`, {
      status: 409,
      code: 'conflict',
      retry: false,
    });
  }
  const patient = task.for?.reference;
  const owner = task.owner?.reference;
  if (!patient?.startsWith('Patient/') || !(owner && isRecipientOwner(task, owner))) {
    throw new AppError(`invitation Task ${task.id} names no patient or recipient`, {
      status: 422,
      code: 'processing',
      retry: false,
    });
  }
  const keyMoment = keyMomentOf(task);
  return {
    invitationId,
    task: `Task/${task.id}`,
    patient,
    author: { role: roleOf(task, owner), reference: owner },
    ...(keyMoment ? { keyMoment } : {}),
  };
}

async function readTask(epd: EpdClient, key: InvitationKey): Promise<Task> {
  if ('invitationId' in key) {
    // Ours are `inv-` and 32 hex digits; a megabyte-long one made the EPD refuse the search URL (a 502).
    if (key.invitationId.length > MAX_INVITATION_ID_LENGTH)
      throw unknown(
        { ...key, invitationId: `${key.invitationId.slice(0, 40)}…` },
        'is not an invitation id of this service',
      );
    const query = new URLSearchParams(invitationTaskQuery(key.invitationId));
    const [task] = await epd.search<Task>('Task', Object.fromEntries(query));
    if (!task) throw unknown(key, 'is unknown');
    return task;
  }
  try {
    return await epd.read<Task>(`Task/${key.taskId}`);
  } catch (err) {
    if (err instanceof EpdError && (err.status === 404 || err.status === 410)) throw unknown(key, 'is unknown');
    throw err;
  }
}

/**
 * An owner the service writes: the Patient, a RelatedPerson, or a RelatedPerson the Task contains
 * (a parent known only as a Patient.contact). A result's author is taken from it.
 */
function isRecipientOwner(task: Task, owner: string): boolean {
  if (owner.startsWith('Patient/') || owner.startsWith('RelatedPerson/')) return true;
  return (
    owner.startsWith('#') &&
    (task.contained ?? []).some((r) => r.resourceType === 'RelatedPerson' && `#${r.id ?? ''}` === owner)
  );
}

/** The recipient role recorded on the Task; a RelatedPerson owner is a guardian when the input is missing. */
function roleOf(task: Task, owner: string): RecipientRole {
  const coded = task.input?.flatMap((i) =>
    i.valueCoding?.system === RECIPIENT_ROLE_SYSTEM ? [i.valueCoding.code] : [],
  )[0];
  if (coded === 'patient' || coded === 'guardian') return coded;
  return owner.startsWith('RelatedPerson/') || owner.startsWith('#') ? 'guardian' : 'patient';
}

/** The key moment coded on the Task's reasonCode. */
function keyMomentOf(task: Task): KeyMoment | undefined {
  const code = task.reasonCode?.coding?.find((c) => c.system === KEY_MOMENT_SYSTEM)?.code;
  return KEY_MOMENTS.find((moment) => moment === code);
}

function unknown(key: InvitationKey, what: string): AppError {
  const named = 'invitationId' in key ? `invitation ${key.invitationId}` : `Task/${key.taskId}`;
  return badInput(422, `${named} ${what}; nothing was written`, [
    { code: 'not-found', message: `${named} ${what}`, expression: key.field },
  ]);
}
