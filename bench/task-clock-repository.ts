import type { WithId } from '@medplum/core';
import type { Resource, Task } from '@medplum/fhirtypes';
import { IndexedMemoryRepository } from '../src/sandbox/indexed-memory-repository.js';

/**
 * The sandbox's store, noting the moment each invitation Task is first written, by the id of the
 * resource the Task is about (its focus). The bench sends the notifications from this same process,
 * so send time and write time are read from one clock.
 */
export class TaskClockRepository extends IndexedMemoryRepository {
  /** Focus resource id → times (ms since the epoch) its Tasks were written. */
  readonly tasksWritten = new Map<string, number[]>();
  private readonly seen = new Set<string>();

  override createResource<T extends Resource>(resource: T): Promise<WithId<T>> {
    const result = super.createResource(resource);
    if (resource.resourceType === 'Task') this.note(resource as Task);
    return result;
  }

  private note(task: Task): void {
    const key = task.identifier?.[0]?.value ?? task.id;
    const focusId = task.focus?.reference?.split('/')[1];
    if (!key || !focusId || this.seen.has(key)) return; // an update of a Task is not its arrival
    this.seen.add(key);
    const times = this.tasksWritten.get(focusId) ?? [];
    times.push(Date.now());
    this.tasksWritten.set(focusId, times);
  }

  /** Invitation Tasks written so far. */
  get taskCount(): number {
    return this.seen.size;
  }
}
