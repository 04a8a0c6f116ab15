import {
  convertToSearchableReferences,
  convertToSearchableTokens,
  evalFhirPathTyped,
  globalSchema,
  isChainedSearchFilter,
  matchesSearchRequest,
  Operator,
  parseFhirPath,
  splitSearchOnComma,
  toTypedValue,
  type Filter,
  type FhirPathAtom,
  type SearchRequest,
  type WithId,
} from '@medplum/core';
import {
  FhirRepository,
  getExtraEntries,
  type CreateResourceOptions,
  type DeleteResourceOptions,
} from '@medplum/fhir-router';
import type { Bundle, BundleEntry, OperationOutcome, Resource } from '@medplum/fhirtypes';
import { TombstoneRepository } from '../epd/fake-tombstone-repository.js';
import { loadFhirDefinitions } from '../shared/fhir-definitions.js';

/**
 * Search parameters indexed by default: those the service and its tests search by (identifiers and
 * tags for conditional creates of Tasks and AuditEvents, a patient's RelatedPersons, Consents and
 * Tasks, a Task's focus and owner, codes). Each one costs a FHIRPath evaluation per write of a type
 * that has it, so the list stays short.
 */
export const DEFAULT_INDEXED_PARAMETERS = [
  'identifier',
  '_tag',
  'patient',
  'subject',
  'focus',
  'owner',
  'based-on',
  'code',
] as const;

/** Separates type, parameter and value in posting keys; it cannot occur in any of them. */
const SEP = '\u0000';

/**
 * A `MemoryRepository` that answers equality searches on token and reference parameters from an
 * index instead of matching every stored resource of the type.
 *
 * Why: the plain repository runs the search expressions on every resource of the type, so the
 * conditional create of each invitation Task (`identifier=…`) and each `RelatedPerson?patient=…`
 * gets slower with every resource written; a backfill of 100k events then spends its time there.
 * The index only narrows the candidates: each candidate is still checked with `matchesSearchRequest`
 * on all filters, in the order the plain repository keeps, so the results are identical. Searches
 * the index cannot narrow (other parameters, modifiers, bare ids, chained parameters, `_sort`) go
 * to the plain repository.
 */
export class IndexedMemoryRepository extends TombstoneRepository {
  private readonly parameters: ReadonlySet<string>;
  /** `type␀parameter␀value` → ids of the resources of that type with that value. */
  private readonly postings = new Map<string, Set<string>>();
  /** `type/id` → the posting keys of its current version, so an update or delete can take them back. */
  private readonly keysOf = new Map<string, string[]>();
  /** `type` → id → when it was first stored: the plain repository returns matches in that order. */
  private readonly order = new Map<string, Map<string, number>>();
  private stored = 0;
  private readonly atoms = new Map<string, FhirPathAtom>();

  constructor(options: { parameters?: readonly string[] } = {}) {
    super();
    loadFhirDefinitions(); // the index reads the search parameter definitions at every write
    this.parameters = new Set(options.parameters ?? DEFAULT_INDEXED_PARAMETERS);
  }

  /** Also the way every update stores its new version (`update` true). */
  override createResource<T extends Resource>(
    resource: T,
    options?: CreateResourceOptions,
    update = false,
  ): Promise<WithId<T>> {
    // The id is settled here, so the index is updated in the same tick as the store (the plain
    // repository stores synchronously): a search never sees the one without the other. A create
    // whose id is in use is refused without storing anything, so the index stays as it is.
    const withId = (resource.id ? resource : { ...resource, id: this.generateId() }) as WithId<T>;
    const refused = !update && this.keysOf.has(`${withId.resourceType}/${withId.id}`);
    const result = super.createResource(withId, options, update);
    if (!refused) this.reindex(withId);
    return result;
  }

  /**
   * The plain repository's conditional create searches and stores past `search` and
   * `createResource`, so the index would be neither used nor told of the new resource; the base
   * class's version goes through both. Nothing in it waits for I/O, so no other request runs
   * between its search and its create.
   */
  override conditionalCreate<T extends Resource>(
    resource: T,
    search: SearchRequest<T>,
    options?: CreateResourceOptions,
  ): Promise<{ resource: WithId<T>; outcome: OperationOutcome }> {
    const baseConditionalCreate = FhirRepository.prototype.conditionalCreate<T>;
    return baseConditionalCreate.call(this, resource, search, options);
  }

  override deleteResource(resourceType: string, id: string, options?: DeleteResourceOptions): Promise<void> {
    const result = super.deleteResource(resourceType, id, options);
    if (!options?.ifMatch) {
      this.forget(resourceType, id); // in the same tick: it is gone now, or was never there
      return result;
    }
    // A stale If-Match refuses the delete, so the index lets go only once it happened.
    return result.then(() => this.forget(resourceType, id));
  }

  override async expungeResources(resourceType: string, ids: string[]): Promise<void> {
    await super.expungeResources(resourceType, ids);
    for (const id of ids) this.forget(resourceType, id);
  }

  override clear(): void {
    super.clear();
    this.postings.clear();
    this.keysOf.clear();
    this.order.clear();
  }

  override async search<T extends Resource>(request: SearchRequest<T>): Promise<Bundle<WithId<T>>> {
    const ids =
      request.sortRules?.length || request.filters?.some(isChainedSearchFilter) ? undefined : this.candidates(request);
    if (!ids) return super.search(request);
    // All reads start in this tick, so the result is one consistent snapshot, as in the plain search.
    const reads = ids.map((id) => this.readResource<WithId<T>>(request.resourceType, id).catch(() => undefined));
    const matched: WithId<T>[] = [];
    for (const resource of await Promise.all(reads))
      if (resource && matchesSearchRequest(resource, request)) matched.push(resource);
    let entry: BundleEntry<WithId<T>>[] = matched.map((resource) => ({ search: { mode: 'match' }, resource }));
    if (request.offset !== undefined) entry = entry.slice(request.offset);
    if (request.count !== undefined) entry = entry.slice(0, request.count);
    if ((request.include || request.revInclude) && entry.length) {
      // As the plain repository: included resources follow the page's matches; `total` counts matches only.
      await getExtraEntries(
        this,
        request,
        entry.map((e) => e.resource as WithId<T>),
        entry as BundleEntry[],
      );
    }
    return {
      resourceType: 'Bundle',
      type: 'searchset',
      entry: entry.length ? entry : undefined,
      total: matched.length,
    };
  }

  /** Ids that may match, in storage order, from the most selective indexed filter; undefined when none is indexed. */
  private candidates(request: SearchRequest): string[] | undefined {
    let best: Set<string> | undefined;
    for (const filter of request.filters ?? []) {
      const values = this.lookupValues(request.resourceType, filter);
      if (!values) continue;
      const ids = new Set<string>();
      for (const value of values)
        for (const id of this.postings.get(postingKey(request.resourceType, filter.code, value)) ?? []) ids.add(id);
      if (!best || ids.size < best.size) best = ids;
    }
    if (!best) return undefined;
    const order = this.order.get(request.resourceType);
    return [...best].sort((a, b) => (order?.get(a) ?? 0) - (order?.get(b) ?? 0));
  }

  /**
   * The index values a filter can only match through, or undefined when the index cannot narrow it.
   * Mirrors @medplum/core's matcher: a reference matches its exact string, a token its value
   * (case-insensitive, the part after `|`), and only a plain equality filter may use the index.
   * A bare id (`patient=p3`) matches every reference ending in `/p3`, which the index does not hold.
   */
  private lookupValues(resourceType: string, filter: Filter): string[] | undefined {
    const param = indexedParameter(this.parameters, resourceType, filter.code);
    if (!param || filter.operator !== Operator.EQUALS || filter.value === '' || filter.code === '_compartment')
      return undefined;
    const values = splitSearchOnComma(filter.value);
    if (param.type === 'reference') return values.every((value) => value.includes('/')) ? values : undefined;
    const tokens = values.map((value) => (value.includes('|') ? value.split('|')[1] : value)?.toLowerCase());
    return tokens.every((token) => token) ? (tokens as string[]) : undefined; // `system|` matches any code
  }

  private reindex(resource: WithId<Resource>): void {
    const { resourceType, id } = resource;
    this.unindex(resourceType, id);
    let order = this.order.get(resourceType);
    if (!order) this.order.set(resourceType, (order = new Map()));
    if (!order.has(id)) order.set(id, this.stored++);
    const keys: string[] = [];
    const typedResource = [toTypedValue(resource)];
    for (const code of this.parameters) {
      const param = indexedParameter(this.parameters, resourceType, code);
      if (!param?.expression) continue;
      const typed = evalFhirPathTyped(this.parsed(param.expression), typedResource);
      const values =
        param.type === 'reference'
          ? convertToSearchableReferences(typed)
          : convertToSearchableTokens(typed).flatMap((token) => (token.value ? [token.value.toLowerCase()] : []));
      for (const value of new Set(values)) keys.push(postingKey(resourceType, code, value));
    }
    for (const key of keys) {
      let ids = this.postings.get(key);
      if (!ids) this.postings.set(key, (ids = new Set()));
      ids.add(id);
    }
    this.keysOf.set(`${resourceType}/${id}`, keys);
  }

  /** The expression parsed once: parsing costs more than evaluating it on one resource. */
  private parsed(expression: string): FhirPathAtom {
    let atom = this.atoms.get(expression);
    if (!atom) this.atoms.set(expression, (atom = parseFhirPath(expression)));
    return atom;
  }

  private forget(resourceType: string, id: string): void {
    this.unindex(resourceType, id);
    this.order.get(resourceType)?.delete(id);
  }

  private unindex(resourceType: string, id: string): void {
    const reference = `${resourceType}/${id}`;
    for (const key of this.keysOf.get(reference) ?? []) {
      const ids = this.postings.get(key);
      ids?.delete(id);
      if (ids?.size === 0) this.postings.delete(key);
    }
    this.keysOf.delete(reference);
  }
}

/** The definition of an indexed token or reference parameter of the type, if it has one. */
function indexedParameter(parameters: ReadonlySet<string>, resourceType: string, code: string) {
  if (!parameters.has(code)) return undefined;
  const param = globalSchema.types[resourceType]?.searchParams?.[code];
  return param && (param.type === 'reference' || param.type === 'token') ? param : undefined;
}

function postingKey(resourceType: string, code: string, value: string): string {
  return `${resourceType}${SEP}${code}${SEP}${value}`;
}
