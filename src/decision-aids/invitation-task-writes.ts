import type { Task } from '@medplum/fhirtypes';
import type { EpdClient } from '../epd/epd-client.js';
import { assertValidResource } from '../shared/fhir-definitions.js';
import type { TaskHold } from './contact-hold.js';
import { invitationLinkOf, invitationTaskQuery } from './build-invitation-task.js';

type StoredTask = Task & { id: string };

/** Task states in which the invitation job has nothing left to do: delivered, or closed by someone. */
const CLOSED = new Set<Task['status']>(['cancelled', 'entered-in-error', 'rejected', 'failed', 'completed']);

/** The requested Task as stored (written now, or by an earlier attempt), and whether this call wrote it. */
export async function writeRequestedTask(
  epd: EpdClient,
  requested: Task,
  invitationId: string,
): Promise<{ task: StoredTask; created: boolean }> {
  const { resource, created } = await epd.createIfNoneExist<Task>(
    assertValidResource(requested),
    invitationTaskQuery(invitationId),
  );
  return { task: resource as StoredTask, created };
}

/**
 * True when an earlier attempt already delivered the invitation (the Task carries a link) or the
 * Task was closed (cancelled by the care team, completed): the platform is then not called again.
 */
export function isSettled(task: Task): boolean {
  return CLOSED.has(task.status) || invitationLinkOf(task) !== undefined;
}

/**
 * Replaces the stored Task by `next`, keeping its id and first authoring time, only if nobody
 * changed it since it was read (`If-Match` on its version): a care-team edit is never overwritten.
 */
export async function replaceTask(epd: EpdClient, stored: StoredTask, next: Task): Promise<StoredTask> {
  const replacement = assertValidResource({
    ...next,
    id: stored.id,
    authoredOn: stored.authoredOn ?? next.authoredOn,
  }) as StoredTask;
  const versionId = stored.meta?.versionId;
  return (await epd.update<Task>(replacement, versionId ? { ifMatch: versionId } : {})) as StoredTask;
}

/** The Task put on hold with the reason, link-less; used when the platform step ended without a link. */
export function onHold(task: Task, hold: TaskHold, now: string): Task {
  return {
    ...task,
    status: 'on-hold',
    statusReason: hold.statusReason,
    businessStatus: hold.businessStatus,
    lastModified: now,
  };
}

/** Finds the Task of an invitation, if one was written. */
export async function findInvitationTask(epd: EpdClient, invitationId: string): Promise<StoredTask | undefined> {
  const [task] = await epd.search<Task>(
    'Task',
    Object.fromEntries(new URLSearchParams(invitationTaskQuery(invitationId))),
  );
  return task as StoredTask | undefined;
}
