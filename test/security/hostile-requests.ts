import { request as httpRequest } from 'node:http';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { signatureHex, signRequest } from '../../src/http/verify-source.js';
import { CORPUS_SEED, type BodyCase } from './hostile-bodies.js';

/** One request of the corpus. Headers are made when it is sent, so signatures carry a fresh timestamp. */
export interface HostileRequest {
  category: string;
  name: string;
  route: string;
  method?: string;
  path: string;
  headers: () => Record<string, string>;
  body: Buffer;
  /** Send without Content-Length, in chunks. */
  chunked?: boolean;
  /** The one status it must get; absent: any 4xx. */
  status?: number;
}

/**
 * An inbound route and a valid credential for it. Add a route here (the results webhook, a new
 * intake route) and the whole corpus runs against it too.
 */
export interface InboundRoute {
  name: string;
  path: string;
  bearer?: string;
  secret?: string;
}

const FHIR_JSON = { 'content-type': 'application/fhir+json' };
const unixNow = () => Math.floor(Date.now() / 1000);

/** The headers that authenticate `body` on a route: its bearer token, or a fresh signature. */
export function credentials(route: InboundRoute, body: Buffer): Record<string, string> {
  if (route.bearer) return { authorization: `Bearer ${route.bearer}` };
  return signRequest(route.secret!, body);
}

/** Hostile bodies sent with valid credentials. */
export function withValidCredentials(route: InboundRoute, cases: readonly BodyCase[]): HostileRequest[] {
  return cases.map((c) => {
    const body = Buffer.from(c.body, 'utf8');
    return {
      ...c,
      route: route.name,
      path: route.path,
      body,
      headers: () => ({ ...FHIR_JSON, ...credentials(route, body) }),
    };
  });
}

/** A valid body with missing, wrong, stale or forged credentials: always 401. */
export function badCredentials(route: InboundRoute, validBody: Buffer): HostileRequest[] {
  const make = (name: string, headers: () => Record<string, string>): HostileRequest => ({
    category: route.secret ? 'bad signatures' : 'bad credentials',
    name,
    route: route.name,
    path: route.path,
    body: validBody,
    headers: () => ({ ...FHIR_JSON, ...headers() }),
    status: 401,
  });
  const common = [
    make('no credentials', () => ({})),
    make('an empty Authorization', () => ({ authorization: '' })),
    make('Bearer without a token', () => ({ authorization: 'Bearer' })),
    make('an 8 KB token', () => ({ authorization: `Bearer ${'t'.repeat(8 * 1024)}` })),
    make('a latin-1 token', () => ({ authorization: 'Bearer tökén-ôf-énôügh-léngth' })),
    ...fc
      .sample(fc.string({ unit: 'grapheme-ascii', minLength: 16, maxLength: 64 }), { numRuns: 12, seed: CORPUS_SEED })
      .map((token, i) => make(`a random token ${i}`, () => ({ authorization: `Bearer ${token}` }))),
  ];
  return [
    ...common,
    ...(route.bearer ? bearerVariants(route.bearer, make) : signatureForgeries(route.secret!, validBody, make)),
  ];
}

function bearerVariants(
  token: string,
  make: (name: string, headers: () => Record<string, string>) => HostileRequest,
): HostileRequest[] {
  return [
    make('the token without scheme', () => ({ authorization: token })),
    make('the token as Basic credentials', () => ({
      authorization: `Basic ${Buffer.from(`x:${token}`).toString('base64')}`,
    })),
    make('the token with another scheme', () => ({ authorization: `Token ${token}` })),
    make('the token cut by one character', () => ({ authorization: `Bearer ${token.slice(0, -1)}` })),
    make('the token with a suffix', () => ({ authorization: `Bearer ${token}x` })),
    make('the token upper-cased', () => ({ authorization: `Bearer ${token.toUpperCase()}` })),
    make('the token in another header', () => ({ 'x-api-key': token })),
    make('two tokens', () => ({ authorization: `Bearer ${token}, Bearer ${token}` })),
  ];
}

function signatureForgeries(
  secret: string,
  body: Buffer,
  make: (name: string, headers: () => Record<string, string>) => HostileRequest,
): HostileRequest[] {
  const at =
    (offsetSeconds: number, signWith = secret, payload: Buffer | string = body) =>
    () => {
      const timestamp = String(unixNow() + offsetSeconds);
      return { 'x-sdm-timestamp': timestamp, 'x-sdm-signature': `v1=${signatureHex(signWith, timestamp, payload)}` };
    };
  const fresh = () => at(0)();
  return [
    make('signed 301 s ago (outside the window)', at(-301)),
    make('signed a day ago (a replay)', at(-86_400)),
    make('signed 301 s in the future', at(301)),
    make('signed with another secret', at(0, 'another-secret-0123456789')),
    make('signed over another body', at(0, secret, Buffer.concat([body, Buffer.from(' ')]))),
    make('signed over the body without timestamp', () => ({
      'x-sdm-timestamp': String(unixNow()),
      'x-sdm-signature': `v1=${signatureHex(secret, '', body).slice(0)}`,
    })),
    make('the old untimed header', () => ({ 'x-hub-signature-256': `sha256=${signatureHex(secret, '', body)}` })),
    make('a signature without timestamp', () => ({ 'x-sdm-signature': fresh()['x-sdm-signature']! })),
    make('a timestamp without signature', () => ({ 'x-sdm-timestamp': String(unixNow()) })),
    make('the timestamp in milliseconds', () => ({ ...fresh(), 'x-sdm-timestamp': String(Date.now()) })),
    make('a timestamp with a fraction', () => ({ ...fresh(), 'x-sdm-timestamp': `${unixNow()}.5` })),
    make('a hex timestamp', () => ({ ...fresh(), 'x-sdm-timestamp': `0x${unixNow().toString(16)}` })),
    make('a negative timestamp', () => ({ ...fresh(), 'x-sdm-timestamp': '-1' })),
    make('the signature without its v1= tag', () => ({
      ...fresh(),
      'x-sdm-signature': fresh()['x-sdm-signature']!.slice(3),
    })),
    make('the signature cut short', () => ({
      ...fresh(),
      'x-sdm-signature': fresh()['x-sdm-signature']!.slice(0, 40),
    })),
    make('the signature upper-cased', () => ({
      ...fresh(),
      'x-sdm-signature': fresh()['x-sdm-signature']!.toUpperCase(),
    })),
    make('the signature as v2', () => ({
      ...fresh(),
      'x-sdm-signature': fresh()['x-sdm-signature']!.replace('v1=', 'v2='),
    })),
    make('the secret itself as signature', () => ({
      'x-sdm-timestamp': String(unixNow()),
      'x-sdm-signature': `v1=${secret}`,
    })),
  ];
}

/** A valid body in the wrong envelope: content types, encodings, sizes, methods. */
export function badTransport(route: InboundRoute, validBody: Buffer, maxBodyBytes: number): HostileRequest[] {
  const make = (
    category: string,
    name: string,
    body: Buffer,
    headers: Record<string, string>,
    extra: Partial<HostileRequest> = {},
  ): HostileRequest => ({
    category,
    name,
    route: route.name,
    path: route.path,
    body,
    headers: () => ({ ...credentials(route, body), ...headers }),
    ...extra,
  });
  const types = [
    'text/plain',
    'application/xml',
    'application/fhir+xml',
    'multipart/form-data; boundary=x',
    'application/x-www-form-urlencoded',
    'application/jsonx',
    'json',
    'text/json',
    '*/*',
    'application/json-patch+json',
    'application/fhir+json2',
    'x'.repeat(4000),
  ];
  const oversized = Buffer.concat([validBody, Buffer.alloc(maxBodyBytes + 1 - validBody.length, ' ')]);
  const utf16 = Buffer.from(validBody.toString('utf8'), 'utf16le');
  return [
    ...types.map((type) =>
      make(
        'wrong content types',
        `content type ${type.slice(0, 40)}`,
        validBody,
        { 'content-type': type },
        { status: 415 },
      ),
    ),
    make('wrong content types', 'no content type', validBody, {}, { status: 415 }),
    make('wrong content types', 'UTF-16 body declared as JSON', utf16, {
      'content-type': 'application/json; charset=utf-16',
    }),
    make('huge bodies', 'a body one byte over the limit', oversized, FHIR_JSON, { status: 413 }),
    make('huge bodies', 'a chunked body over the limit', oversized, FHIR_JSON, { status: 413, chunked: true }),
    make(
      'huge bodies',
      'a gzip bomb (20 MB of zeros)',
      gzipSync(Buffer.alloc(20 * 1024 * 1024, '0')),
      { ...FHIR_JSON, 'content-encoding': 'gzip' },
      { status: 413 },
    ),
    make('huge bodies', 'gzip declared, not gzip', validBody, { ...FHIR_JSON, 'content-encoding': 'gzip' }),
    make(
      'huge bodies',
      'an unknown content encoding',
      validBody,
      { ...FHIR_JSON, 'content-encoding': 'compress' },
      { status: 415 },
    ),
    ...['GET', 'PUT', 'PATCH', 'DELETE'].map((method) =>
      make('wrong methods', `${method} instead of POST`, validBody, FHIR_JSON, { method, status: 404 }),
    ),
  ];
}

/** What came back, as the corpus checks it. */
export interface Answer {
  status: number;
  contentType: string;
  text: string;
}

/** A case that gets no answer in this time counts as a fault (the service hung on it). */
const SEND_TIMEOUT_MS = 15_000;

/** Sends one request with node:http, so bodies, lengths and chunking are exactly as built. */
export function send(baseUrl: string, r: HostileRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...r.headers() };
    if (!r.chunked) headers['content-length'] = String(r.body.length);
    const req = httpRequest(new URL(r.path, baseUrl), { method: r.method ?? 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          contentType: String(res.headers['content-type'] ?? ''),
          text: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(SEND_TIMEOUT_MS, () => req.destroy(new Error(`no answer within ${SEND_TIMEOUT_MS} ms`)));
    if (!r.chunked) {
      req.end(r.body);
      return;
    }
    const CHUNK = 64 * 1024;
    for (let at = 0; at < r.body.length; at += CHUNK) req.write(r.body.subarray(at, at + CHUNK));
    req.end();
  });
}
