import type { Bundle, Resource } from '@medplum/fhirtypes';
import { createAuthHeaders, type AuthHeaders, type EpdAuth } from './epd-auth.js';
import { batchOfReads, readBatchResponse, readOneByOne, type BatchAnswer } from './batch-answer.js';
import type { ConditionalCreateResult, EpdClient, SearchParams } from './epd-client.js';
import { EpdError, epdHttpError, epdNetworkError } from './epd-error.js';
import { createHttpTransport, type HttpAnswer, type HttpRequest, type HttpTransport } from './http-transport.js';
import { FHIR_ID, parseReference } from './parse-reference.js';
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

const FHIR_JSON = 'application/fhir+json';

/** The `EpdClient` port on FHIR's REST API: timeouts, auth, paging and errors normalised to `EpdError`. */
export function createEpdClient(options: EpdClientOptions): EpdClient {
  return new FhirEpdClient(options, createHttpTransport());
}

/** A parsed 2xx answer: the resource, and the status and headers it came with. */
interface Answer {
  status: number;
  location?: string;
  resource: Resource;
}

class FhirEpdClient implements EpdClient {
  private readonly baseUrl: string;
  private readonly auth: AuthHeaders;
  /** Set once the EPD refused a batch: it is not asked again in this process. */
  private batchRefused = false;

  constructor(
    private readonly options: EpdClientOptions,
    private readonly send: HttpTransport,
  ) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.auth = createAuthHeaders(options.auth, options.timeoutMs);
  }

  async read<T extends Resource>(reference: string): Promise<T> {
    const [resourceType, id, version] = parseReference(reference, this.baseUrl);
    const path = `${resourceType}/${id}${version ? `/_history/${version}` : ''}`;
    const request = `GET ${path}`;
    return asResource<T>(request, await this.call(request, 'GET', this.url(path)));
  }

  async search<T extends Resource>(resourceType: T['resourceType'], params: SearchParams): Promise<T[]> {
    const request = `GET ${resourceType}?…`;
    const maxPages = this.options.maxPages ?? DEFAULT_MAX_PAGES;
    const found: T[] = [];
    const first = this.url(resourceType);
    for (const [key, value] of Object.entries(params))
      for (const v of Array.isArray(value) ? value : [value]) first.searchParams.append(key, v);
    let page = asResource<Bundle>(request, await this.call(request, 'GET', first));
    for (let pages = 1; ; pages++) {
      for (const entry of page.entry ?? []) {
        const mode = entry.search?.mode; // included resources and outcomes are not results
        if (entry.resource?.resourceType === resourceType && (mode === undefined || mode === 'match'))
          found.push(entry.resource as T);
      }
      const next = page.link?.find((link) => link.relation === 'next')?.url;
      if (!next) return found;
      if (pages >= maxPages) {
        throw new EpdError(`EPD ${request} has more than ${maxPages} pages`, {
          status: 422,
          retry: false,
          code: 'too-costly',
        });
      }
      page = asResource<Bundle>(request, await this.call(request, 'GET', checkPageLink(request, next, this.baseUrl)));
    }
  }

  async createIfNoneExist<T extends Resource>(resource: T, ifNoneExist: string): Promise<ConditionalCreateResult<T>> {
    const request = `POST ${resource.resourceType}`;
    // Some servers answer a match with an empty 200; ask for the resource either way.
    const headers = { 'if-none-exist': ifNoneExist, prefer: 'return=representation' };
    const answer = await this.call(request, 'POST', this.url(resource.resourceType), resource, headers);
    const created = answer.status === 201;
    if (answer.resource.resourceType === resource.resourceType) return { resource: answer.resource as T, created };
    return {
      resource: await this.findCreated<T>(request, resource.resourceType, ifNoneExist, answer.location),
      created,
    };
  }

  async update<T extends Resource>(resource: T & { id: string }, options: { ifMatch?: string } = {}): Promise<T> {
    const request = `PUT ${resource.resourceType}/${resource.id}`;
    const headers: Record<string, string> = { prefer: 'return=representation' };
    if (options.ifMatch) headers['if-match'] = weakETag(options.ifMatch);
    const [resourceType, id] = parseReference(`${resource.resourceType}/${resource.id}`, this.baseUrl);
    return asResource<T>(
      request,
      await this.call(request, 'PUT', this.url(`${resourceType}/${id}`), resource, headers),
    );
  }

  async readBatch(urls: readonly string[]): Promise<BatchAnswer[]> {
    if (urls.length === 0) return [];
    if (this.batchRefused) return readOneByOne(this, urls);
    const request = 'POST batch';
    try {
      const answer = await this.call(request, 'POST', this.url(''), batchOfReads(urls));
      return readBatchResponse(urls, asResource<Bundle>(request, answer));
    } catch (err) {
      if (!(err instanceof EpdError) || !BATCH_REFUSED.has(err.status)) throw err;
      this.batchRefused = true;
      return readOneByOne(this, urls);
    }
  }

  async transaction(bundle: Bundle): Promise<Bundle> {
    const request = 'POST transaction';
    return asResource<Bundle>(
      request,
      await this.call(request, 'POST', this.url(''), bundle, { prefer: 'return=representation' }),
    );
  }

  /** `<base>/<path>`; batches and transactions go to `<base>/`. */
  private url(path: string): URL {
    return new URL(`${this.baseUrl}/${path}`);
  }

  /**
   * One HTTP request: its own timeout (the answer's body included), the current token, one retry
   * with a new token after a 401. `request` names it in errors: method and path, never the query.
   */
  private async call(
    request: string,
    method: HttpRequest['method'],
    url: URL,
    body?: Resource,
    headers: Record<string, string> = {},
  ): Promise<Answer> {
    const text = body === undefined ? undefined : JSON.stringify(body);
    for (let attempt = 1; ; attempt++) {
      const authorization = await this.auth.authorization();
      const controller = new AbortController();
      const timer = setTimeout(
        () => controller.abort(new DOMException('EPD request timed out', 'TimeoutError')),
        this.options.timeoutMs,
      );
      let answer: HttpAnswer;
      try {
        answer = await this.send({
          method,
          url,
          headers: {
            accept: FHIR_JSON,
            ...(text === undefined ? {} : { 'content-type': FHIR_JSON }),
            ...headers,
            ...(authorization ? { authorization } : {}),
          },
          ...(text === undefined ? {} : { body: text }),
          signal: controller.signal,
        });
      } catch (err) {
        throw epdNetworkError(request, err);
      } finally {
        clearTimeout(timer);
      }
      if (answer.status === 401 && attempt === 1 && this.auth.renew(authorization)) continue;
      return readAnswer(request, answer);
    }
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
function checkPageLink(request: string, next: string, baseUrl: string): URL {
  const url = new URL(next, `${baseUrl}/`);
  if (url.origin !== new URL(baseUrl).origin || !url.pathname.startsWith(new URL(baseUrl).pathname)) {
    throw new EpdError(`EPD ${request} sent a next link outside its base URL`, {
      status: 502,
      retry: false,
      code: 'processing',
    });
  }
  return url;
}

/** A 2xx answer as a resource (an empty body: none); anything else as the `EpdError` it means. */
function readAnswer(request: string, answer: HttpAnswer): Answer {
  let parsed: unknown = {};
  let json = true;
  if (answer.body.trim() !== '') {
    try {
      parsed = JSON.parse(answer.body);
    } catch {
      json = false;
    }
  }
  if (answer.status < 200 || answer.status >= 300) {
    throw epdHttpError(request, answer.status, json ? parsed : answer.body, {
      get: (name) => headerValue(answer, name),
    });
  }
  if (!json || typeof parsed !== 'object' || parsed === null) {
    throw new EpdError(`EPD ${request} answered HTTP ${answer.status} with a body that is not JSON`, {
      status: 502,
      retry: false,
      code: 'processing',
    });
  }
  const location = headerValue(answer, 'location');
  return { status: answer.status, resource: parsed as Resource, ...(location ? { location } : {}) };
}

function headerValue(answer: HttpAnswer, name: string): string | undefined {
  const value = answer.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function asResource<T extends Resource>(request: string, answer: Answer): T {
  if (typeof answer.resource.resourceType !== 'string') {
    throw new EpdError(`EPD ${request} answered without a resource`, { status: 502, retry: true, code: 'processing' });
  }
  return answer.resource as T;
}
