import { conflict, formatSearchQuery, OperationOutcomeError, type SearchRequest, type WithId } from '@medplum/core';
import type { CreateResourceOptions } from '@medplum/fhir-router';
import type { OperationOutcome, Resource } from '@medplum/fhirtypes';
import { setTimeout as sleep } from 'node:timers/promises';
import { IndexedMemoryRepository } from './indexed-memory-repository.js';

/** The words PostgreSQL uses, as a Medplum server passes them on in its 409. */
export const SERIALIZATION_FAILURE = 'could not serialize access due to concurrent update';

/** How a strict store's conditional creates meet each other. */
export interface StrictRepositoryOptions {
  /**
   * How long a conditional create holds its transaction open (default 15 ms): about what a real
   * server's search-then-insert takes on a busy database, long enough for concurrent jobs to overlap.
   */
  transactionMs?: number;
  /**
   * Chance that a conditional create overlapping an open one of the same type but another search
   * fails too (default 0.25). Why not 0: the database's predicate locks cover index pages, not single
   * values, so real servers also refuse writes of unrelated identifiers; why not 1: they do not
   * refuse all of them, and at 1 every write of a type would wait for every other.
   */
  unrelatedConflictRate?: number;
  /** Source of the chance above (default Math.random; the chaos run passes its seeded one). */
  random?: () => number;
}

/**
 * A store whose conditional creates behave like those of a FHIR server on PostgreSQL with
 * SERIALIZABLE transactions: one that begins while another with the same search is still open
 * fails with 409 and writes nothing (the open one commits); one that overlaps an open one of the
 * same type with another search fails by chance (`unrelatedConflictRate`). A refused one takes its
 * time too, but never makes others fail: an aborted transaction holds no locks that matter.
 */
export class StrictMemoryRepository extends IndexedMemoryRepository {
  /** Conditional creates refused with 409 so far, for tests and the chaos report. */
  conflicts = 0;
  /** Resource type → searches of the conditional creates committing now. */
  private readonly open = new Map<string, string[]>();
  private readonly transactionMs: number;
  private readonly unrelatedConflictRate: number;
  private readonly random: () => number;

  constructor(options: StrictRepositoryOptions = {}) {
    super();
    this.transactionMs = options.transactionMs ?? 15;
    this.unrelatedConflictRate = options.unrelatedConflictRate ?? 0.25;
    this.random = options.random ?? Math.random;
  }

  /** Conditional creates of the type whose transaction is open now (a test waits for one to overlap it). */
  openTransactions(resourceType: string): number {
    return this.open.get(resourceType)?.length ?? 0;
  }

  override async conditionalCreate<T extends Resource>(
    resource: T,
    search: SearchRequest<T>,
    options?: CreateResourceOptions,
  ): Promise<{ resource: WithId<T>; outcome: OperationOutcome }> {
    const type = resource.resourceType;
    const key = formatSearchQuery(search);
    const others = this.open.get(type) ?? [];
    const refused = others.includes(key) || (others.length > 0 && this.random() < this.unrelatedConflictRate);
    if (refused) {
      await sleep(this.transactionMs);
      this.conflicts++;
      throw new OperationOutcomeError(conflict(SERIALIZATION_FAILURE));
    }
    this.open.set(type, [...others, key]);
    try {
      await sleep(this.transactionMs);
    } finally {
      const now = this.open.get(type) ?? [];
      now.splice(now.indexOf(key), 1);
    }
    return super.conditionalCreate(resource, search, options);
  }
}
