import { getStatus } from '@medplum/core';
import { FhirRouter, type MemoryRepository, type HttpMethod } from '@medplum/fhir-router';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { loadFhirDefinitions } from '../shared/fhir-definitions.js';
import { batchOfReads, readBatchResponse, type BatchAnswer } from './batch-answer.js';
import type { ConditionalCreateResult, EpdClient, SearchParams } from './epd-client.js';
import { EpdError, epdHttpError } from './epd-error.js';
import { historySaysDeleted } from './history-deleted.js';
import { parseReference } from './parse-reference.js';
import { TombstoneRepository } from './fake-tombstone-repository.js';
import { weakETag } from './weak-etag.js';

/** One call the fake received, for assertions such as "nothing was written". */
export interface EpdCall {
  method: keyof EpdClient;
  /** `Type/id` (read, update), the resource type (search, create), or `transaction`. */
  target: string;
}

/**
 * A fake EPD that behaves like the real client on the FHIR sandbox: requests go through the same
 * `FhirRouter` and `MemoryRepository`, only without HTTP, so conditional creates, If-Match,
 * version reads, transactions and error statuses match. Searches return every match at once
 * (`_count`/`_offset` are dropped), which is what the real client returns after paging.
 */
export function createFakeEpdClient(options: { repo?: MemoryRepository } = {}): FakeEpdClient {
  loadFhirDefinitions(); // search parameters must be indexed, or every search finds nothing
  return new FakeEpdClient(options.repo ?? new TombstoneRepository()); // a deleted resource answers 410, as on real servers
}

/** An in-memory `EpdClient` for handler tests, with its store, its call log and injectable failures. */
export class FakeEpdClient implements EpdClient {
  /** Every call received, failed ones included. */
  readonly calls: EpdCall[] = [];
  private readonly router = new FhirRouter();
  private readonly failures: EpdError[] = [];

  constructor(readonly repo: MemoryRepository) {}

  /** The next `count` calls throw `error` (by default a retryable 503) instead of running. */
  failNext(
    count: number,
    error = new EpdError('EPD unavailable (injected)', { status: 503, retry: true, code: 'transient' }),
  ): void {
    for (let i = 0; i < count; i++) this.failures.push(error);
  }

  async read<T extends Resource>(reference: string): Promise<T> {
    const [type, id, version] = parseReference(reference);
    const path = `${type}/${id}${version ? `/_history/${version}` : ''}`;
    return (await this.send({ method: 'read', target: path }, 'GET', path)).resource as T;
  }

  async search<T extends Resource>(resourceType: T['resourceType'], params: SearchParams): Promise<T[]> {
    const { resource } = await this.send(
      { method: 'search', target: resourceType },
      'GET',
      `${resourceType}?${toQuery(params)}`,
    );
    return ((resource as Bundle | undefined)?.entry ?? []).map((e) => e.resource as T);
  }

  async history<T extends Resource>(reference: string): Promise<T[]> {
    const [type, id] = parseReference(reference);
    const path = `${type}/${id}/_history`;
    const { resource } = await this.send({ method: 'history', target: path }, 'GET', path);
    return ((resource as Bundle | undefined)?.entry ?? []).flatMap((e) => (e.resource ? [e.resource as T] : []));
  }

  async historyEndsDeleted(reference: string): Promise<boolean> {
    const [type, id] = parseReference(reference);
    const path = `${type}/${id}/_history`;
    const call: EpdCall = { method: 'historyEndsDeleted', target: path };
    return historySaysDeleted(async () => (await this.send(call, 'GET', path)).resource as Bundle);
  }

  async createIfNoneExist<T extends Resource>(resource: T, ifNoneExist: string): Promise<ConditionalCreateResult<T>> {
    const call: EpdCall = { method: 'createIfNoneExist', target: resource.resourceType };
    const result = await this.send(call, 'POST', resource.resourceType, resource, { 'if-none-exist': ifNoneExist });
    return { resource: result.resource as T, created: result.status === 201 };
  }

  async update<T extends Resource>(resource: T & { id: string }, options: { ifMatch?: string } = {}): Promise<T> {
    const path = `${resource.resourceType}/${resource.id}`;
    const headers: Record<string, string> = options.ifMatch ? { 'if-match': weakETag(options.ifMatch) } : {};
    return (await this.send({ method: 'update', target: path }, 'PUT', path, resource, headers)).resource as T;
  }

  /** One call in the log (`target`: the paths, without queries), answered by the router's batch processing. */
  async readBatch(urls: readonly string[]): Promise<BatchAnswer[]> {
    const call: EpdCall = { method: 'readBatch', target: urls.map((url) => url.split('?')[0]).join(',') };
    return readBatchResponse(urls, (await this.send(call, 'POST', '', batchOfReads(urls))).resource as Bundle);
  }

  async transaction(bundle: Bundle): Promise<Bundle> {
    return (await this.send({ method: 'transaction', target: 'transaction' }, 'POST', '', bundle)).resource as Bundle;
  }

  private async send(
    call: EpdCall,
    method: HttpMethod,
    url: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) {
    this.calls.push(call);
    const failure = this.failures.shift();
    if (failure) throw failure;
    const request = { method, url, pathname: '', params: {}, query: {}, body, headers, config: { transactions: true } };
    const [outcome, resource] = await this.router.handleRequest(request, this.repo);
    const status = getStatus(outcome);
    if (status >= 400) throw epdHttpError(`${method} ${url.split('?')[0]}`, status, outcome);
    return { status, resource };
  }
}

/** The query string of a search, without paging: the fake answers with all matches at once. */
function toQuery(params: SearchParams): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (key === '_count' || key === '_offset') continue;
    for (const v of Array.isArray(value) ? value : [value]) query.append(key, v);
  }
  return query.toString();
}
