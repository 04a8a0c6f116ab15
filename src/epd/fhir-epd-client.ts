import type { Bundle, Resource } from '@medplum/fhirtypes';
import { Client, type FhirResource, type RequestOptions } from 'fhir-kit-client';
import { createAuthHeaders, type AuthHeaders, type EpdAuth } from './epd-auth.js';
import { batchOfReads, readBatchResponse, readOneByOne, type BatchAnswer } from './batch-answer.js';
import type { ConditionalCreateResult, EpdClient, SearchParams } from './epd-client.js';
import { EpdError } from './epd-error.js';
import { createEpdTransport, withDeadline, type EpdTransport, type EpdTransportOptions } from './epd-transport.js';
import { answerOf, asBundle, asResource, failureOf, type Answer } from './fhir-kit-answer.js';
import { historySaysDeleted } from './history-deleted.js';
import { FHIR_ID, parseReference } from './parse-reference.js';
import { quietLibraryDebug } from './quiet-library-debug.js';
import { rebasePageLink } from './rebase-page-link.js';
import { DEFAULT_CONFLICT_RETRY, retryOnConflict, type ConflictRetry } from './retry-on-conflict.js';
import { firstConflict, isRepeatable } from './transaction-answer.js';
import { weakETag } from './weak-etag.js';

export type { EpdAuth } from './epd-auth.js';

/** Where the EPD is and how to reach it: the `epd` block of the configuration. */
export interface EpdClientOptions extends EpdTransportOptions {
  baseUrl: string;
  auth: EpdAuth;
  /** Other bases that name this EPD in paging links (EPD_TRUSTED_BASE_URLS); see rebase-page-link.ts. */
  trustedBaseUrls?: readonly string[];
  /** Pages a search may follow before it is refused as too broad (default 100). */
  maxPages?: number;
  /** Tries of a write the EPD answered with 409/412 (default: 3, 50–200 ms apart). */
  conflictRetry?: ConflictRetry;
}

/** A transport and token supplier to share with other clients of the same EPD. */
export interface EpdLink {
  transport: EpdTransport;
  auth: AuthHeaders;
}

/** Answers to a batch POST that mean "no batches here" (not "try again"): then reads go one by one. */
const BATCH_REFUSED = new Set([400, 403, 404, 405, 415, 422, 501]);

/** 100 pages of the usual 20–100 entries: far more than one patient's record holds. */
const DEFAULT_MAX_PAGES = 100;

/** Servers that answer a create or update with an empty body by default send the resource when asked. */
const RETURN_RESOURCE = { prefer: 'return=representation' };

/**
 * The `EpdClient` port on FHIR's REST API through fhir-kit-client: one transport (pool, TLS, size
 * cap, timeout), auth, paging, conflicts retried, and every failure normalised to `EpdError`.
 * Pass `link` to share a transport and token with other clients; without it the client makes its own.
 */
export function createEpdClient(options: EpdClientOptions, link?: EpdLink): EpdClient {
  const transport = link?.transport ?? createEpdTransport(options);
  return new FhirEpdClient(options, transport, link?.auth ?? createAuthHeaders(options.auth, transport));
}

class FhirEpdClient implements EpdClient {
  private readonly baseUrl: string;
  private readonly fhir: Client;
  private readonly conflictRetry: ConflictRetry;
  /** Set once the EPD refused a batch: it is not asked again in this process. */
  private batchRefused = false;

  constructor(
    private readonly options: EpdClientOptions,
    private readonly transport: EpdTransport,
    private readonly auth: AuthHeaders,
  ) {
    quietLibraryDebug();
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.conflictRetry = options.conflictRetry ?? DEFAULT_CONFLICT_RETRY;
    this.fhir = new Client({ baseUrl: this.baseUrl, requestOptions: transport.requestInit });
  }

  async read<T extends Resource>(reference: string): Promise<T> {
    const [resourceType, id, version] = parseReference(reference, this.baseUrl);
    const request = `GET ${resourceType}/${id}${version ? `/_history/${version}` : ''}`;
    const answer = await this.call(request, (options) =>
      version ? this.fhir.vread({ resourceType, id, version, options }) : this.fhir.read({ resourceType, id, options }),
    );
    return asResource<T>(request, answer);
  }

  async search<T extends Resource>(resourceType: T['resourceType'], params: SearchParams): Promise<T[]> {
    const request = `GET ${resourceType}?…`;
    const first = await this.call(request, (options) =>
      this.fhir.search({ resourceType, searchParams: params, options }),
    );
    return this.allPages<T>(request, asResource<Bundle>(request, first), (entry) => {
      const mode = entry.search?.mode; // included resources and outcomes are not results
      return entry.resource?.resourceType === resourceType && (mode === undefined || mode === 'match');
    });
  }

  async history<T extends Resource>(reference: string): Promise<T[]> {
    const [resourceType, id] = parseReference(reference, this.baseUrl);
    const request = `GET ${resourceType}/${id}/_history`;
    const first = await this.call(request, (options) => this.fhir.resourceHistory({ resourceType, id, options }));
    // A delete is an entry without a resource: only the versions that hold one are returned.
    return this.allPages<T>(request, asBundle(request, first), (e) => e.resource?.resourceType === resourceType);
  }

  async historyEndsDeleted(reference: string): Promise<boolean> {
    const [resourceType, id] = parseReference(reference, this.baseUrl);
    const request = `GET ${resourceType}/${id}/_history`;
    return historySaysDeleted(async () =>
      asBundle(
        request,
        await this.call(request, (options) => this.fhir.resourceHistory({ resourceType, id, options })),
      ),
    );
  }

  /** The kept entries' resources of `first` and every next page, up to `maxPages`; next links re-based as for searches. */
  private async allPages<T extends Resource>(
    request: string,
    first: Bundle,
    keep: (entry: NonNullable<Bundle['entry']>[number]) => boolean,
  ): Promise<T[]> {
    const maxPages = this.options.maxPages ?? DEFAULT_MAX_PAGES;
    const found: T[] = [];
    let page = first;
    for (let pages = 1; ; pages++) {
      for (const entry of page.entry ?? []) if (keep(entry)) found.push(entry.resource as T);
      const next = page.link?.find((link) => link.relation === 'next')?.url;
      if (!next) return found;
      if (pages >= maxPages) {
        throw new EpdError(`EPD ${request} has more than ${maxPages} pages`, {
          status: 422,
          retry: false,
          code: 'too-costly',
        });
      }
      const url = this.pageUrl(request, next);
      page = asResource<Bundle>(request, await this.call(request, (options) => this.fhir.request(url, { options })));
    }
  }

  async createIfNoneExist<T extends Resource>(resource: T, ifNoneExist: string): Promise<ConditionalCreateResult<T>> {
    const request = `POST ${resource.resourceType}`;
    const headers = { 'if-none-exist': ifNoneExist, ...RETURN_RESOURCE };
    // After a 409 the next try finds what the concurrent write made, and answers it with 200.
    const answer = await retryOnConflict(
      () =>
        this.call(
          request,
          (options) => this.fhir.create({ resourceType: resource.resourceType, body: asBody(resource), options }),
          headers,
        ),
      this.conflictRetry,
    );
    const created = answer.status === 201;
    if (answer.resource.resourceType === resource.resourceType) return { resource: answer.resource as T, created };
    return {
      resource: await this.findCreated<T>(request, resource.resourceType, ifNoneExist, answer.location),
      created,
    };
  }

  async update<T extends Resource>(resource: T & { id: string }, options: { ifMatch?: string } = {}): Promise<T> {
    const request = `PUT ${resource.resourceType}/${resource.id}`;
    const [resourceType, id] = parseReference(`${resource.resourceType}/${resource.id}`, this.baseUrl);
    const headers = options.ifMatch ? { 'if-match': weakETag(options.ifMatch), ...RETURN_RESOURCE } : RETURN_RESOURCE;
    const send = () =>
      this.call(request, (o) => this.fhir.update({ resourceType, id, body: asBody(resource), options: o }), headers);
    // The same stale If-Match is refused every time: that 412 heals only when the caller reads the resource again.
    const answer = options.ifMatch ? await send() : await retryOnConflict(send, this.conflictRetry);
    return asResource<T>(request, answer);
  }

  async readBatch(urls: readonly string[]): Promise<BatchAnswer[]> {
    if (urls.length === 0) return [];
    if (this.batchRefused) return readOneByOne(this, urls);
    const request = 'POST batch';
    try {
      const answer = await this.call(request, (options) =>
        this.fhir.batch({ body: asBody(batchOfReads(urls)), options }),
      );
      return readBatchResponse(urls, asResource<Bundle>(request, answer));
    } catch (err) {
      if (!(err instanceof EpdError) || !BATCH_REFUSED.has(err.status)) throw err;
      this.batchRefused = true;
      return readOneByOne(this, urls);
    }
  }

  /**
   * Sends a transaction. When sending it again cannot create anything twice (conditional creates,
   * updates), a conflict of the whole request or of one entry is tried again here, and after the
   * last try thrown as a retryable EpdError; otherwise the answer is returned for the caller to
   * read entry by entry (transaction-answer.ts).
   */
  async transaction(bundle: Bundle): Promise<Bundle> {
    const request = 'POST transaction';
    const repeatable = isRepeatable(bundle);
    const send = async () => {
      const answer = await this.call(
        request,
        (options) => this.fhir.transaction({ body: asBody(bundle), options }),
        RETURN_RESOURCE,
      );
      const response = asResource<Bundle>(request, answer);
      const conflict = repeatable ? firstConflict(bundle, response) : undefined;
      if (conflict) throw conflict;
      return response;
    };
    return repeatable ? retryOnConflict(send, this.conflictRetry) : send();
  }

  /**
   * One request: its own deadline (the answer's body included), the current token, one retry with
   * a new token after a 401. `request` names it in errors: method and path, never the query.
   */
  private async call(
    request: string,
    run: (options: RequestOptions) => Promise<FhirResource>,
    headers: Record<string, string> = {},
  ): Promise<Answer> {
    for (let attempt = 1; ; attempt++) {
      const authorization = await this.auth.authorization();
      const withAuth = authorization ? { ...headers, authorization } : headers;
      try {
        const result = await withDeadline(this.transport.timeoutMs, (signal) => run({ headers: withAuth, signal }));
        return answerOf(result);
      } catch (err) {
        const error = failureOf(request, err, this.transport.maxResponseBytes);
        if (error.status === 401 && attempt === 1 && this.auth.renew(authorization)) continue;
        throw error;
      }
    }
  }

  /** A next link as a URL on EPD_BASE_URL, or refused: the token must not travel to another host. */
  private pageUrl(request: string, next: string): string {
    const url = rebasePageLink(next, this.baseUrl, this.options.trustedBaseUrls);
    if (url) return url.toString();
    throw new EpdError(`EPD ${request} sent a next link outside its base URL (see EPD_TRUSTED_BASE_URLS)`, {
      status: 502,
      retry: false,
      code: 'processing',
    });
  }

  /** The resource of a conditional create whose answer had no body: by its Location, else by the condition. */
  private async findCreated<T extends Resource>(
    request: string,
    type: T['resourceType'],
    ifNoneExist: string,
    location: string | undefined,
  ): Promise<T> {
    if (location) return this.read<T>(referenceFromLocation(location, this.baseUrl));
    const [match] = await this.search<T>(type, queryToParams(ifNoneExist));
    if (!match)
      throw new EpdError(`EPD ${request} answered without the resource`, {
        status: 502,
        retry: true,
        code: 'processing',
      });
    return match;
  }
}

/** fhir-kit-client's loose resource type; our resources are @medplum/fhirtypes. */
function asBody(resource: Resource): FhirResource {
  return resource as unknown as FhirResource;
}

/** `Type/id` from a Location header (`<base>/Type/id/_history/vid`). */
function referenceFromLocation(location: string, baseUrl: string): string {
  const path = new URL(location, `${baseUrl}/`).pathname;
  const match = new RegExp(`([A-Z][A-Za-z]+)/(${FHIR_ID})(?:/_history/${FHIR_ID})?$`).exec(path);
  return match ? `${match[1]}/${match[2]}` : location;
}

/** `a=1&a=2&b=3` → `{ a: ['1', '2'], b: '3' }`. */
function queryToParams(query: string): SearchParams {
  const params: SearchParams = {};
  for (const [key, value] of new URLSearchParams(query)) {
    const seen = params[key];
    params[key] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  return params;
}
