import { gone, OperationOutcomeError } from '@medplum/core';
import { MemoryRepository } from '@medplum/fhir-router';
import type { Resource } from '@medplum/fhirtypes';
import type { CreateResourceOptions, DeleteResourceOptions, UpdateResourceOptions } from '@medplum/fhir-router';

/**
 * A MemoryRepository that answers a read of a deleted resource with 410 Gone, as Medplum and HAPI
 * servers do; Medplum's MemoryRepository forgets it (404), which a client cannot tell from a
 * resource it may not see yet. For the fake EPD client and the sandbox.
 */
export class TombstoneRepository extends MemoryRepository {
  private readonly deleted = new Set<string>();

  override async readResource<T extends Resource>(resourceType: string, id: string): Promise<T> {
    if (this.deleted.has(`${resourceType}/${id}`)) throw new OperationOutcomeError(gone);
    return super.readResource<T>(resourceType, id);
  }

  override async deleteResource(resourceType: string, id: string, options?: DeleteResourceOptions): Promise<void> {
    await super.deleteResource(resourceType, id, options);
    this.deleted.add(`${resourceType}/${id}`);
  }

  /** Writing a deleted id again (an update, or a create with that id) brings it back, as on Medplum. */
  override async createResource<T extends Resource>(resource: T, options?: CreateResourceOptions, update?: boolean) {
    const created = await super.createResource(resource, options, update);
    this.deleted.delete(`${created.resourceType}/${created.id}`);
    return created;
  }

  override async updateResource<T extends Resource>(resource: T, options?: UpdateResourceOptions) {
    const updated = await super.updateResource(resource, options);
    this.deleted.delete(`${updated.resourceType}/${updated.id}`);
    return updated;
  }

  override clear(): void {
    super.clear();
    this.deleted.clear();
  }
}
