import type { MemoryRepository } from '@medplum/fhir-router';
import type { Task } from '@medplum/fhirtypes';
import { INVITATION_ID_SYSTEM } from '../decision-aids/invitation-task-codes.js';

/** What the EPD holds against what the generated changes had to lead to. */
export interface TaskTally {
  expected: number;
  /** Invitation Tasks in the EPD. */
  written: number;
  /** Tasks beyond the first for the same focus, aid and recipient. */
  duplicates: number;
  /** Expected invitations without a Task. */
  lost: number;
  /** Tasks no generated change called for (a rule decided differently than the construction says). */
  unexpected: number;
  /** Invitations at the decision-aid platform that no Task in the EPD carries: invited while the care team sees nothing. */
  invitedWithoutTask: number;
  /** Every lost key (`Type/id|aid|recipient`), for the report to say what became of its jobs. */
  lostKeys: string[];
  /** A few of the keys (invitation ids for `invitedWithoutTask`) behind non-zero counts, to start looking. */
  examples: { duplicates: string[]; lost: string[]; unexpected: string[]; invitedWithoutTask: string[] };
}

/** Examples kept per kind of problem. */
const EXAMPLES = 5;

/**
 * Reads every Task of the EPD straight from its store and compares them with the expected
 * `focus|aid|recipient` keys; `aidIds` maps a Task's `instantiatesCanonical` to the aid's id.
 * `platformInvitations` are the invitation ids the decision-aid platform received (its
 * Idempotency-Keys), each of which a Task must carry as its invitation identifier.
 */
export async function tallyTasks(
  repo: MemoryRepository,
  expected: ReadonlySet<string>,
  aidIds: ReadonlyMap<string, string>,
  platformInvitations: Iterable<string> = [],
): Promise<TaskTally> {
  const bundle = await repo.search<Task>({ resourceType: 'Task' });
  const counts = new Map<string, number>();
  const invitationIds = new Set<string>();
  for (const entry of bundle.entry ?? []) {
    const key = keyOf(entry.resource as Task, aidIds);
    counts.set(key, (counts.get(key) ?? 0) + 1);
    for (const id of entry.resource?.identifier ?? [])
      if (id.system === INVITATION_ID_SYSTEM && id.value) invitationIds.add(id.value);
  }
  const withoutTask = [...new Set(platformInvitations)].filter((id) => !invitationIds.has(id));
  const duplicates = [...counts].filter(([, n]) => n > 1);
  const lost = [...expected].filter((key) => !counts.has(key));
  const unexpected = [...counts.keys()].filter((key) => !expected.has(key));
  return {
    expected: expected.size,
    written: bundle.entry?.length ?? 0,
    duplicates: duplicates.reduce((sum, [, n]) => sum + n - 1, 0),
    lost: lost.length,
    unexpected: unexpected.length,
    invitedWithoutTask: withoutTask.length,
    lostKeys: lost,
    examples: {
      invitedWithoutTask: withoutTask.slice(0, EXAMPLES),
      duplicates: duplicates.slice(0, EXAMPLES).map(([key]) => key),
      lost: lost.slice(0, EXAMPLES),
      unexpected: unexpected.slice(0, EXAMPLES),
    },
  };
}

/** `Type/id|aid|owner` of an invitation Task (the focus without its version). */
function keyOf(task: Task, aidIds: ReadonlyMap<string, string>): string {
  const focus = task.focus?.reference?.split('/_history/')[0] ?? '?';
  const canonical = task.instantiatesCanonical ?? '?';
  const aid = aidIds.get(canonical) ?? canonical;
  return `${focus}|${aid}|${task.owner?.reference ?? '?'}`;
}
