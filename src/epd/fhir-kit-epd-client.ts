import type { Bundle, Resource } from '@medplum/fhirtypes';
import { Client, type FhirResource, type RequestOptions } from 'fhir-kit-client';
import { createAuthHeaders, type AuthHeaders, type EpdAuth } from './epd-auth.js';
import { batchOfReads, readBatchResponse, readOneByOne, type BatchAnswer } from './batch-answer.js';
import type { ConditionalCreateResult, EpdClient, SearchParams } from './epd-client.js';
import { EpdError, epdHttpError, epdNetworkError } from './epd-error.js';
import { FHIR_ID, parseReference } from './parse-reference.js';
import { silenceFhirKitDebug } from './silence-fhir-kit-debug.js';
import { weakETag } from './weak-etag.js';

export type { EpdAuth } from './epd-auth.js';

/** Where the EPD is and how to reach it. */
export interface EpdClientOptions {
  baseUrl: string;
  auth: EpdAuth;
  /** Limit for each HTTP request (a search page, a token request), in milliseconds. */
  timeoutMs: number;
  /** Pages a search may follow before it is refused as too broad (default 100). */
  maxPages?: number;
}

/** Answers to a batch POST that mean "no batches here" (not "try again"): then reads go one by one. */
const BATCH_REFUSED = new Set([400, 403, 404, 405, 415, 422, 501]);

/** 100 pages of the usual 20–100 entries: far more than one patient's record holds. */
const DEFAULT_MAX_PAGES = 100;

/** The `EpdClient` port on fhir-kit-client: timeouts, auth, paging and errors normalised to `EpdError`. */
export function createEpdClient(options: EpdClientOptions): EpdClient {
  silenceFhirKitDebug();
  return new FhirKitEpdClient(options);
}

class FhirKitEpdClient implements EpdClient {
  private readonly baseUrl: string;
  private readonly fhir: Client;
  private readonly auth: AuthHeaders;
  /** Set once the EPD refused a batch: it is not asked again in this process. */
  private batchRefused = false;

  constructor(private readonly options: EpdClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fhir = new Client({ baseUrl: this.baseUrl });
    this.auth = createAuthHeaders(options.auth, options.timeoutMs);
  }

  async read<T extends Resource>(reference: string): Promise<T> {
    const [resourceType, id, version] = parseReference(reference, this.baseUrl);
    const request = `GET ${resourceType}/${id}${version ? `/_history/${version}` : ''}`;
    const result = await this.call(request, (o) =>
      version ? this.fhir.vread({ resourceType, id, version, options: o }) : this.fhir.read({ resourceType, id, options: o }),
    );
    return asResource<T>(request, result);
  }

  async search<T extends Resource>(resourceType: T['resourceType'], params: SearchParams): Promise<T[]> {
    const request = `GET ${resourceType}?…`;
    const maxPages = this.options.maxPages ?? DEFAULT_MAX_PAGES;
    const found: T[] = [];
    const first = await this.call(request, (o) => this.fhir.search({ resourceType, searchParams: params, options: o }));
    let page = asResource<Bundle>(request, first);
    for (let pages = 1; ; pages++) {
      for (const entry of page.entry ?? []) {
        const mode = entry.search?.mode; // included resources and outcomes are not results
        if (entry.resource?.resourceType === resourceType && (mode === undefined || mode === 'match')) found.push(entry.resource as T);
      }
      const next = page.link?.find((link) => link.relation === 'next')?.url;
      if (!next) return found;
      if (pages >= maxPages) {
        throw new EpdError(`EPD ${request} has more than ${maxPages} pages`, { status: 422, retry: false, code: 'too-costly' });
      }
      const url = checkPageLink(request, next, this.baseUrl);
      page = asResource<Bundle>(request, await this.call(request, (o) => this.fhir.request(url, { options: o })));
    }
  }

  async createIfNoneExist<T extends Resource>(resource: T, ifNoneExist: string): Promise<ConditionalCreateResult<T>> {
    const request = `POST ${resource.resourceType}`;
    // Some servers answer a match with an empty 200; ask for the resource either way.
    const headers = { 'if-none-exist': ifNoneExist, prefer: 'return=representation' };
    const result = await this.call(
      request,
      (o) => this.fhir.create({ resourceType: resource.resourceType, body: asFhirKit(resource), options: o }),
      headers,
    );
    // fhir-kit-client keeps the fetch Response beside the parsed body: its status is the signal.
    const { response } = Client.httpFor(result);
    const created = response?.status === 201;
    if (result.resourceType === resource.resourceType) return { resource: result as unknown as T, created };
    return { resource: await this.findCreated<T>(request, resource.resourceType, ifNoneExist, response), created };
  }

  async update<T extends Resource>(resource: T & { id: string }, options: { ifMatch?: string } = {}): Promise<T> {
    const request = `PUT ${resource.resourceType}/${resource.id}`;
    const headers: Record<string, string> = { prefer: 'return=representation' };
    if (options.ifMatch) headers['if-match'] = weakETag(options.ifMatch);
    const result = await this.call(
      request,
      (o) => this.fhir.update({ resourceType: resource.resourceType, id: resource.id, body: asFhirKit(resource), options: o }),
      headers,
    );
    return asResource<T>(request, result);
  }

  async readBatch(urls: readonly string[]): Promise<BatchAnswer[]> {
    if (urls.length === 0) return [];
    if (this.batchRefused) return readOneByOne(this, urls);
    const request = 'POST batch';
    try {
      const answer = await this.call(request, (o) => this.fhir.batch({ body: asFhirKit(batchOfReads(urls)), options: o }));
      return readBatchResponse(urls, asResource<Bundle>(request, answer));
    } catch (err) {
      if (!(err instanceof EpdError) || !BATCH_REFUSED.has(err.status)) throw err;
      this.batchRefused = true;
      return readOneByOne(this, urls);
    }
  }

  async transaction(bundle: Bundle): Promise<Bundle> {
    const request = 'POST transaction';
    const send = (o: RequestOptions) => this.fhir.transaction({ body: asFhirKit(bundle), options: o });
    return asResource<Bundle>(request, await this.call(request, send, { prefer: 'return=representation' }));
  }

  /** One HTTP request: its own timeout, the current token, one retry with a new token after a 401. */
  private async call<T>(request: string, send: (o: RequestOptions) => Promise<T>, headers: Record<string, string> = {}): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const authorization = await this.auth.authorization();
      // A timer cleared when the answer (body included) is in, not AbortSignal.timeout: that one keeps
      // its signal, and through its listener the whole request, alive for the full timeout.
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(new DOMException('EPD request timed out', 'TimeoutError')), this.options.timeoutMs);
      try {
        return await send({ signal: controller.signal, headers: { ...headers, ...(authorization ? { authorization } : {}) } });
      } catch (err) {
        const error = toEpdError(request, err);
        if (error.status === 401 && attempt === 1 && this.auth.renew(authorization)) continue;
        throw error;
      } finally {
        clearTimeout(timer);
      }
    }
  }

  /** The resource of a conditional create whose answer had no body: by its Location, else by the condition. */
  private async findCreated<T extends Resource>(
    request: string,
    type: T['resourceType'],
    ifNoneExist: string,
    response?: Response,
  ): Promise<T> {
    const location = response?.headers.get('location');
    if (location) return this.read<T>(referenceFromLocation(location, this.baseUrl));
    const [match] = await this.search<T>(type, queryToParams(ifNoneExist));
    if (!match) throw new EpdError(`EPD ${request} answered without the resource`, { status: 502, retry: true, code: 'processing' });
    return match;
  }
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

/** Follow a paging link only to the EPD itself: the token must not travel to another host. */
function checkPageLink(request: string, next: string, baseUrl: string): string {
  const url = new URL(next, `${baseUrl}/`);
  if (url.origin !== new URL(baseUrl).origin || !url.pathname.startsWith(new URL(baseUrl).pathname)) {
    throw new EpdError(`EPD ${request} sent a next link outside its base URL`, { status: 502, retry: false, code: 'processing' });
  }
  return url.toString();
}

function toEpdError(request: string, err: unknown): EpdError {
  if (err instanceof EpdError) return err;
  const response = (err as { response?: { status?: unknown; data?: unknown } }).response;
  if (typeof response?.status !== 'number') return epdNetworkError(request, err);
  if (response.status < 400) {
    const message = `EPD ${request} answered HTTP ${response.status} with a body that is not JSON`;
    return new EpdError(message, { status: 502, retry: false, code: 'processing' });
  }
  const headers = (err as { config?: { headers?: unknown } }).config?.headers;
  // No `cause`: fhir-kit-client's error holds the full URL (queries may hold a BSN) and the body.
  return epdHttpError(request, response.status, response.data, headers instanceof Headers ? headers : undefined);
}

function asResource<T extends Resource>(request: string, value: FhirResource): T {
  if (typeof value.resourceType !== 'string') {
    throw new EpdError(`EPD ${request} answered without a resource`, { status: 502, retry: true, code: 'processing' });
  }
  return value as unknown as T;
}

function asFhirKit(resource: Resource): FhirResource {
  return resource as unknown as FhirResource;
}
