import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';

/** One request to the EPD, as the client built it. */
export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT';
  url: URL;
  headers: Record<string, string>;
  body?: string;
  /** Aborts the request, the answer's body included; the reject carries `signal.reason`. */
  signal: AbortSignal;
}

/** The EPD's answer: any status, its headers, and the body as text (decompressed). */
export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export type HttpTransport = (request: HttpRequest) => Promise<HttpAnswer>;

/**
 * HTTP/1.1 on Node's own client, over keep-alive connections (one pool per transport).
 *
 * Why not `fetch`: per request it builds a WHATWG Request, Headers, a second AbortSignal and a
 * web stream for the body. Measured on the development machine it cost about 200 µs of CPU more
 * per request than `http.request`, and the worker makes one to four EPD requests per job, so it
 * was the largest single cost of the worker (docs/performance.md). Redirects are not followed:
 * the bearer token must not travel to another address, and a FHIR base that moved is a setting
 * to correct.
 */
export function createHttpTransport(): HttpTransport {
  const plainAgent = new http.Agent({ keepAlive: true });
  const tlsAgent = new https.Agent({ keepAlive: true });
  return (request) =>
    new Promise<HttpAnswer>((resolve, reject) => {
      const { url, signal } = request;
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      const headers =
        request.body === undefined
          ? request.headers
          : { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) };
      const req =
        url.protocol === 'https:'
          ? https.request(url, { method: request.method, headers, agent: tlsAgent })
          : http.request(url, { method: request.method, headers, agent: plainAgent });
      // Whatever fails first (the request, the answer's stream, the timeout) decides; the rest is ignored.
      const fail = (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(signal.aborted ? signal.reason : err);
      };
      const onAbort = () => req.destroy(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      signal.addEventListener('abort', onAbort, { once: true });
      req.on('error', fail);
      req.on('response', (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', fail);
        res.on('close', () => {
          if (!res.complete) fail(new Error('the answer was cut off'));
        });
        res.on('end', () => {
          signal.removeEventListener('abort', onAbort);
          try {
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: decode(Buffer.concat(chunks), res.headers['content-encoding']),
            });
          } catch (err) {
            reject(err);
          }
        });
      });
      req.end(request.body);
    });
}

/** The body as text. Nothing asks for compression, but a server may compress anyway. */
function decode(body: Buffer, encoding: string | undefined): string {
  switch (encoding?.trim().toLowerCase()) {
    case undefined:
    case '':
    case 'identity':
      return body.toString('utf8');
    case 'gzip':
    case 'x-gzip':
      return gunzipSync(body).toString('utf8');
    case 'deflate':
      return inflateSync(body).toString('utf8');
    case 'br':
      return brotliDecompressSync(body).toString('utf8');
    default:
      throw new Error(`the answer is encoded as ${encoding}, which this client does not read`);
  }
}
