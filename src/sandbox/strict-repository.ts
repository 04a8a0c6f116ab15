import { conflict, OperationOutcomeError, type SearchRequest, type WithId } from '@medplum/core';
import type { CreateResourceOptions } from '@medplum/fhir-router';
import type { OperationOutcome, Resource } from '@medplum/fhirtypes';
import { setTimeout as sleep } from 'node:timers/promises';
import { IndexedMemoryRepository } from './indexed-memory-repository.js';

/** The words PostgreSQL uses, as a Medplum server passes them on in its 409. */
export const SERIALIZATION_FAILURE = 'could not serialize access due to concurrent update';

/**
 * A conditional create holds its "transaction" open this long: about what a real server's
 * search-then-insert takes on a busy database, long enough for concurrent jobs to overlap.
 */
export const DEFAULT_TRANSACTION_MS = 15;

/**
 * A store whose conditional creates behave like those of a FHIR server on PostgreSQL with
 * SERIALIZABLE transactions: a conditional create that begins while another one on the same
 * resource type is still open fails with 409 and writes nothing; the one that was open first
 * commits. Why per type and not per identifier: the database's predicate locks cover index pages,
 * not single values, so real servers refuse writes of unrelated identifiers too.
 */
export class StrictMemoryRepository extends IndexedMemoryRepository {
  /** Conditional creates refused with 409 so far, for tests and the chaos report. */
  conflicts = 0;
  private readonly open = new Map<string, number>();

  constructor(private readonly transactionMs = DEFAULT_TRANSACTION_MS) {
    super();
  }

  /** Conditional creates of the type whose transaction is open now (a test waits for one to overlap it). */
  openTransactions(resourceType: string): number {
    return this.open.get(resourceType) ?? 0;
  }

  override async conditionalCreate<T extends Resource>(
    resource: T,
    search: SearchRequest<T>,
    options?: CreateResourceOptions,
  ): Promise<{ resource: WithId<T>; outcome: OperationOutcome }> {
    const type = resource.resourceType;
    const overlaps = (this.open.get(type) ?? 0) > 0;
    this.open.set(type, (this.open.get(type) ?? 0) + 1);
    try {
      await sleep(this.transactionMs);
    } finally {
      this.open.set(type, (this.open.get(type) ?? 1) - 1);
    }
    if (overlaps) {
      this.conflicts++;
      throw new OperationOutcomeError(conflict(SERIALIZATION_FAILURE));
    }
    return super.conditionalCreate(resource, search, options);
  }
}
