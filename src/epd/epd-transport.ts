import nodeTls from 'node:tls';
import { Agent, interceptors, type Dispatcher } from 'undici';
import { epdNetworkError } from './epd-error.js';
import { plainSizeErrors } from './plain-size-errors.js';

/** TLS towards the EPD, as PEM text read from files at start: CAs to trust besides the usual ones, a client certificate for mutual TLS. */
export interface EpdTls {
  ca?: string;
  cert?: string;
  key?: string;
}

/** How every request to the EPD travels. */
export interface EpdTransportOptions {
  /** Limit of one request, the whole answer included, in milliseconds. */
  timeoutMs: number;
  /** Largest answer body, after decompression, in bytes (default 16 MiB). */
  maxResponseBytes?: number;
  tls?: EpdTls;
}

/** An answer read to the end: status, headers and the body as text (decompressed). */
export interface TransportAnswer {
  status: number;
  headers: Headers;
  body: string;
}

/** One request outside a FHIR client: a token request, `$status`, `/metadata`. */
export interface TransportRequest {
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  /** Shorter limit than the transport's, e.g. for a readiness probe. */
  timeoutMs?: number;
}

/** The one way to the EPD: a connection pool with its TLS settings, size cap and timeout. */
export interface EpdTransport {
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  /** What every `fetch` to the EPD carries (fhir-kit-client passes it on): the pool, and no redirects followed. */
  readonly requestInit: { dispatcher: Dispatcher; redirect: 'manual' };
  /** Sends one request and reads its answer to the end within the timeout; `request` names it in errors. */
  send(request: string, url: string, init: TransportRequest): Promise<TransportAnswer>;
  /** Closes the pooled connections. */
  close(): Promise<void>;
}

/**
 * 16 MiB: a search page of 1,000 entries of a few KB each, or a large CapabilityStatement, fits
 * several times; an answer that does not is a runaway query or a hostile server, not data to parse
 * in a 512 MB heap.
 */
export const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

/**
 * Builds the transport every EPD call shares: the FHIR client (through fhir-kit-client), the token
 * request, `$status` and `/metadata`.
 *
 * Why an undici Agent as the fetch `dispatcher`: fhir-kit-client sends every request through the
 * global `fetch`, and the dispatcher is the one place fetch takes a connection pool from. It
 * keeps connections alive, presents the client certificate, refuses a body over the cap (counted
 * as it arrives, not after), and its decompress interceptor inflates gzip/deflate/br answers in
 * zlib streams (off the event loop) with the same cap on the inflated size, so a small compressed
 * answer cannot expand into the heap. Redirects are not followed: the token would travel with them.
 */
export function createEpdTransport(options: EpdTransportOptions): EpdTransport {
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const agent = new Agent({ maxResponseSize: maxResponseBytes, ...connectOptions(options.tls) });
  const dispatcher = agent.compose(
    interceptors.decompress({ maxSize: maxResponseBytes, skipErrorResponses: false }),
    plainSizeErrors, // the outermost: it sees the decompressor's failures too
  );
  const requestInit = { dispatcher, redirect: 'manual' as const };
  return {
    timeoutMs: options.timeoutMs,
    maxResponseBytes,
    requestInit,
    async send(request, url, init) {
      try {
        return await withDeadline(init.timeoutMs ?? options.timeoutMs, async (signal) => {
          const res = await fetch(url, {
            ...(requestInit as unknown as RequestInit),
            method: init.method,
            headers: init.headers,
            ...(init.body === undefined ? {} : { body: init.body }),
            signal,
          });
          return { status: res.status, headers: res.headers, body: await res.text() };
        });
      } catch (err) {
        throw epdNetworkError(request, err, maxResponseBytes);
      }
    },
    close: () => agent.close(),
  };
}

/**
 * Runs `work` with a signal that aborts after `ms` (a `TimeoutError`); the timer is cleared as
 * soon as the work is done, so a busy worker does not keep thousands of spent timers around.
 */
export async function withDeadline<T>(ms: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException('EPD request timed out', 'TimeoutError')), ms);
  try {
    return await work(controller.signal);
  } finally {
    clearTimeout(timer);
  }
}

/** The Agent's TLS options: only what is configured, so without settings Node's own trust store applies unchanged. */
function connectOptions(tls: EpdTls | undefined): { connect?: { ca?: string[]; cert?: string; key?: string } } {
  if (!tls?.ca && !tls?.cert) return {};
  return {
    connect: {
      // `ca` replaces the default list, so the usual CAs (with NODE_EXTRA_CA_CERTS) stay in: a token server may use a public one.
      ...(tls.ca ? { ca: [...defaultCertificates(), tls.ca] } : {}),
      ...(tls.cert && tls.key ? { cert: tls.cert, key: tls.key } : {}),
    },
  };
}

function defaultCertificates(): readonly string[] {
  // getCACertificates (Node ≥ 22.15) includes NODE_EXTRA_CA_CERTS; rootCertificates is the bundled list only.
  const { getCACertificates } = nodeTls as { getCACertificates?: (type: 'default') => string[] };
  return getCACertificates ? getCACertificates('default') : nodeTls.rootCertificates;
}
