import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { badRequest, getStatus, normalizeOperationOutcome } from '@medplum/core';
import { FhirRouter, type MemoryRepository, type FhirRequest, type HttpMethod } from '@medplum/fhir-router';
import type { Bundle, OperationOutcome, Resource } from '@medplum/fhirtypes';
import express, { type NextFunction, type Request, type Response } from 'express';
import { loadFhirDefinitions } from '../shared/fhir-definitions.js';
import { buildCapabilityStatement } from './capability-statement.js';
import { IndexedMemoryRepository } from './indexed-memory-repository.js';
import { narrowSearchParameters } from './narrow-search-parameters.js';
import { createRestHook, type RestHook, type RestHookOptions } from './rest-hook.js';
import { addSearchLinks } from './search-links.js';
import { notifyWrite, refusesCreateByPut, STRICT_LINK_BASE } from './strict-requests.js';
import { StrictMemoryRepository } from './strict-repository.js';

/** A running in-process FHIR R4 server. */
export interface FhirSandbox {
  /** `http://127.0.0.1:<port>/fhir`, without a trailing slash. */
  baseUrl: string;
  /** The store behind the API: seed it directly, or inspect what a test wrote. */
  repo: MemoryRepository;
  /** Present in strict mode: what the strict behaviour did so far. */
  strict?: {
    /** Conditional creates refused with a serialization 409. */
    conflicts(): number;
    /** The rest-hook sender, when one was asked for. */
    restHook?: RestHook;
  };
  close(): Promise<void>;
}

/**
 * A sandbox that behaves like a FHIR server on PostgreSQL (a Medplum server without atomic
 * transactions): serialization 409s on overlapping conditional creates, transactions answered entry
 * by entry (HTTP 200, a status per entry), paging links on the server's own configured base, ids
 * assigned by the server only (a PUT that would create is refused), UUID version ids, and rest-hook
 * notifications (deletes as `{}` with `X-Medplum-Deleted-Resource`). See docs/reliability.md.
 */
export interface StrictSandboxOptions {
  /** How long a conditional create's transaction stays open (default 15 ms); overlapping ones get 409. */
  transactionMs?: number;
  /** The base the server builds paging links on (default: the same path on another host). */
  linkBaseUrl?: string;
  /** Posts a notification for every write and delete through the API. */
  restHook?: RestHookOptions;
}

/** Where the sandbox listens. */
export interface FhirSandboxOptions {
  /** 0 (the default) lets the OS pick a free port, so parallel test files never collide. */
  port?: number;
  host?: string;
  /** The store to serve (default: a new `IndexedMemoryRepository`); the benchmark passes one that notes when Tasks arrive. */
  repo?: MemoryRepository;
  /** Behave like a strict production server (see `StrictSandboxOptions`); off by default. */
  strict?: StrictSandboxOptions | boolean;
}

/** Mounted below a path, like most FHIR servers, so clients that mishandle base paths fail here too. */
const BASE_PATH = '/fhir';
/** The FHIR JSON media type, used for every answer. */
const FHIR_JSON = 'application/fhir+json';
/** The sandbox has no authentication, so it listens on loopback unless told otherwise. */
const DEFAULT_HOST = '127.0.0.1';
/** Transaction Bundles of a few hundred resources fit; nothing sdm-bridge writes comes close. */
const BODY_LIMIT = '5mb';
/** Bodies read as JSON: FHIR JSON, plain JSON (many clients send it), and JSON Patch for PATCH. */
const JSON_TYPES = [FHIR_JSON, 'application/json', 'application/json-patch+json'];
/** Requests that cannot mean anything without a body. */
const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);
/** body-parser's error types, in words that do not quote the body. */
const BODY_ERRORS: Record<string, string> = {
  'entity.parse.failed': 'request body is not valid JSON',
  'entity.too.large': 'request body too large',
  'charset.unsupported': 'unsupported charset',
  'encoding.unsupported': 'unsupported content encoding',
};

/**
 * Starts a real FHIR R4 REST API over HTTP: express around @medplum/fhir-router's `FhirRouter`
 * with a `MemoryRepository`. Used by the demo and by integration tests instead of a hospital EPD.
 */
export async function startFhirSandbox(options: FhirSandboxOptions = {}): Promise<FhirSandbox> {
  loadFhirDefinitions(); // without indexed search parameters every search silently returns nothing
  narrowSearchParameters(); // idempotent; see its comment for why searches need it
  const strict = options.strict === true ? {} : options.strict || undefined;
  // identifier and patient searches stay fast as the store grows
  const repo =
    options.repo ?? (strict ? new StrictMemoryRepository(strict.transactionMs) : new IndexedMemoryRepository());
  const restHook = strict?.restHook ? createRestHook(strict.restHook) : undefined;
  const router = new FhirRouter();
  const context: HandleContext = { baseUrl: '', linkBaseUrl: '', strict: Boolean(strict), restHook };
  const app = express();
  app.disable('x-powered-by');
  app.use(BASE_PATH, express.json({ type: JSON_TYPES, limit: BODY_LIMIT }));
  app.use(BASE_PATH, express.urlencoded({ extended: false, limit: BODY_LIMIT })); // POST Type/_search
  app.get(`${BASE_PATH}/metadata`, (_req, res) => send(res, 200, buildCapabilityStatement(context.baseUrl)));
  app.use(BASE_PATH, (req, res, next) => {
    handle(req, res, router, repo, context).catch(next);
  });
  app.use(sendError);

  const server = createServer(app);
  const host = options.host ?? DEFAULT_HOST;
  await listen(server, options.port ?? 0, host);
  const { port } = server.address() as AddressInfo;
  context.baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}${BASE_PATH}`;
  context.linkBaseUrl = strict ? (strict.linkBaseUrl ?? STRICT_LINK_BASE) : context.baseUrl;
  const strictView = strict && {
    conflicts: () => (repo instanceof StrictMemoryRepository ? repo.conflicts : 0),
    ...(restHook ? { restHook } : {}),
  };
  return {
    baseUrl: context.baseUrl,
    repo,
    ...(strictView ? { strict: strictView } : {}),
    close: async () => {
      await closeServer(server);
      await restHook?.idle();
    },
  };
}

/** What every request needs to know about the sandbox it reached. */
interface HandleContext {
  baseUrl: string;
  /** Where paging links point: the own base, or in strict mode the server's "configured" one. */
  linkBaseUrl: string;
  strict: boolean;
  restHook: RestHook | undefined;
}

async function handle(req: Request, res: Response, router: FhirRouter, repo: MemoryRepository, context: HandleContext) {
  if (METHODS_WITH_BODY.has(req.method) && req.body === undefined) {
    const unsupported = Boolean(req.headers['content-type']);
    send(res, unsupported ? 415 : 400, badRequest(unsupported ? 'unsupported content type' : 'missing request body'));
    return;
  }
  if (context.strict && (await refusesCreateByPut(req.method, req.path, repo))) {
    send(res, 400, badRequest('Invalid id')); // what a Medplum server answers a client-chosen id
    return;
  }
  const [outcome, resource] = await router.handleRequest(toFhirRequest(req, !context.strict), repo);
  const status = getStatus(outcome);
  if (status >= 400 || !resource) {
    send(res, status, outcome);
    if (status < 300 && context.restHook) notifyWrite(context.restHook, req.method, req.path, status);
    return;
  }
  setVersionHeaders(res, resource, status, context.baseUrl);
  const body = resource.resourceType === 'Bundle' ? withSearchLinks(resource, req, context.linkBaseUrl) : resource;
  send(res, status, body);
  if (context.restHook) notifyWrite(context.restHook, req.method, req.path, status, resource);
}

/**
 * The router wants the path below the base as `url` (with its query string, which it parses) and
 * fills `pathname`, `params` and `query` itself; it refuses a request that already has a
 * `pathname`. Headers go through whole so `If-None-Exist` and `If-Match` work.
 */
function toFhirRequest(req: Request, transactions: boolean): FhirRequest {
  return {
    method: req.method as HttpMethod,
    url: req.url,
    pathname: '',
    params: {},
    query: {},
    body: req.body,
    headers: req.headers,
    // Without this flag a transaction Bundle is processed entry by entry, like a batch, and answered
    // with a status per entry: what a real server without atomic transactions does (strict mode).
    config: { transactions },
  };
}

function setVersionHeaders(res: Response, resource: Resource, status: number, baseUrl: string): void {
  const versionId = resource.meta?.versionId;
  if (!versionId || !resource.id) return;
  res.setHeader('ETag', `W/"${versionId}"`);
  if (resource.meta?.lastUpdated) res.setHeader('Last-Modified', new Date(resource.meta.lastUpdated).toUTCString());
  if (status === 201) {
    res.setHeader('Location', `${baseUrl}/${resource.resourceType}/${resource.id}/_history/${versionId}`);
  }
}

function withSearchLinks(bundle: Bundle, req: Request, baseUrl: string): Bundle {
  if (req.method !== 'GET') return bundle;
  return addSearchLinks(bundle, new URL(baseUrl + req.url));
}

function send(res: Response, status: number, body: Resource): void {
  res.status(status).type(FHIR_JSON).send(JSON.stringify(body));
}

/** Failures before the router (unreadable or oversized body) and bugs, as an OperationOutcome. */
function sendError(err: unknown, _req: Request, res: Response, _next: NextFunction): void {
  const status = (err as { status?: number }).status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // The parser's own message can quote the body; the answer names the problem only.
    const type = (err as { type?: string }).type ?? '';
    send(res, status, badRequest(BODY_ERRORS[type] ?? 'unreadable request'));
    return;
  }
  const outcome: OperationOutcome = normalizeOperationOutcome(err);
  send(res, 500, { ...outcome, issue: outcome.issue.map((issue) => ({ ...issue, code: 'exception' })) });
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    // Clients keep connections alive; without this, close() waits for them to time out.
    server.closeAllConnections();
  });
}
