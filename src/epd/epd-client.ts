import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { BatchAnswer } from './batch-answer.js';

export type { BatchAnswer } from './batch-answer.js';

/** Search parameters as the FHIR REST API takes them; repeated keys as arrays. */
export type SearchParams = Record<string, string | string[]>;

/** The outcome of a conditional create: the resource as stored, and whether this call made it. */
export interface ConditionalCreateResult<T extends Resource> {
  resource: T;
  created: boolean;
}

/**
 * The port to the EPD's FHIR R4 API. Every failure is thrown as an `EpdError` (see epd-error.ts)
 * whose `retry` says whether another attempt can help (network, timeout, 408, 429, 5xx).
 */
export interface EpdClient {
  /** Reads `Type/id`, or `Type/id/_history/vid` for one version. */
  read<T extends Resource>(reference: string): Promise<T>;
  /**
   * The versions of `Type/id` (its `_history`, all pages), deleted ones left out. Optional: only
   * the events job asks, to tell a create from an update when the notification did not say.
   */
  history?<T extends Resource>(reference: string): Promise<T[]>;
  /**
   * True when the newest entry of `Type/id`'s `_history` is a delete (or the history answers 410).
   * Optional: asked only when a read answered 404, to tell a deleted change from one the EPD
   * does not show (yet); without it a 404 is never taken for a delete.
   */
  historyEndsDeleted?(reference: string): Promise<boolean>;
  /** Searches one resource type and returns the matching resources of all pages (`_count` pages). */
  search<T extends Resource>(resourceType: T['resourceType'], params: SearchParams): Promise<T[]>;
  /** Creates unless a resource matches `ifNoneExist` (a search query such as `identifier=sys|val`). */
  createIfNoneExist<T extends Resource>(resource: T, ifNoneExist: string): Promise<ConditionalCreateResult<T>>;
  /** Updates (PUT) a resource that has an id; `ifMatch` is a version id for optimistic locking. */
  update<T extends Resource>(resource: T & { id: string }, options?: { ifMatch?: string }): Promise<T>;
  /**
   * Several GETs in one request (a FHIR `batch` Bundle): reads (`Patient/1`) and searches
   * (`Consent?patient=Patient/1`), answered in order; a search answers with its first page (a
   * searchset Bundle). An EPD that refuses batches is asked one by one instead.
   */
  readBatch(urls: readonly string[]): Promise<BatchAnswer[]>;
  /** Sends a transaction Bundle and returns the response Bundle. */
  transaction(bundle: Bundle): Promise<Bundle>;
}
