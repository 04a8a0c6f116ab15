import type { IncomingMessage, ServerResponse } from 'node:http';
import { createPublicKey } from 'node:crypto';
import { jwtVerify } from 'jose';
import { startFhirSandbox, type FhirSandbox } from '../../src/sandbox/fhir-server.js';
import { startLoopbackServer, type LoopbackServer } from './loopback-server.js';

/** What the store's client must present: its client id and the public half of its signing key. */
export interface KoppeltaalClient {
  clientId: string;
  publicKeyPem: string;
}

/**
 * A Koppeltaal store on loopback: a second in-process FHIR server behind a front that issues
 * tokens only for a valid SMART Backend Services client assertion (signature, iss = sub = client
 * id, aud = the token URL) and serves FHIR only with a token it issued. `failNext` makes it answer
 * 503, as a store that is down would.
 */
export interface KoppeltaalStore {
  baseUrl: string;
  tokenUrl: string;
  fhir: FhirSandbox;
  front: LoopbackServer;
  /** Assertions the token endpoint accepted / refused. */
  assertions: { accepted: number; refused: number };
  failNext(count: number): void;
  close(): Promise<void>;
}

/** Starts the store; every token it hands out is remembered, any other bearer gets 401. */
export async function startKoppeltaalStore(client: KoppeltaalClient): Promise<KoppeltaalStore> {
  const fhir = await startFhirSandbox();
  const issued = new Set<string>();
  const assertions = { accepted: 0, refused: 0 };
  let failures = 0;
  let tokenUrl = '';
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    if (req.url === '/oauth2/token') {
      const token = await tokenFor(body, client, tokenUrl).catch(() => undefined);
      if (token) issued.add(token);
      assertions[token ? 'accepted' : 'refused'] += 1;
      return answer(
        res,
        token ? 200 : 401,
        token ? { access_token: token, token_type: 'bearer', expires_in: 300 } : { error: 'invalid_client' },
      );
    }
    const bearer = req.headers.authorization?.replace(/^Bearer /, '') ?? '';
    if (!issued.has(bearer)) return answer(res, 401, { resourceType: 'OperationOutcome', issue: [] });
    if (failures > 0) {
      failures -= 1;
      return answer(res, 503, { resourceType: 'OperationOutcome', issue: [] });
    }
    await forward(req, body, res, new URL(fhir.baseUrl).origin);
  };
  const front = await startLoopbackServer((req, res) => {
    handle(req, res).catch(() => answer(res, 500, {}));
  });
  tokenUrl = `${front.origin}/oauth2/token`;
  return {
    baseUrl: `${front.origin}/fhir`,
    tokenUrl,
    fhir,
    front,
    assertions,
    failNext: (count) => {
      failures = count;
    },
    close: async () => {
      await front.close();
      await fhir.close();
    },
  };
}

/** A token when the form carries a client assertion signed by the client's key, for this token URL. */
async function tokenFor(form: string, client: KoppeltaalClient, tokenUrl: string): Promise<string | undefined> {
  const params = new URLSearchParams(form);
  if (params.get('grant_type') !== 'client_credentials') return undefined;
  if (params.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer')
    return undefined;
  await jwtVerify(params.get('client_assertion') ?? '', createPublicKey(client.publicKeyPem), {
    issuer: client.clientId,
    subject: client.clientId,
    audience: tokenUrl,
  });
  return `kt2-access-${Math.random().toString(36).slice(2)}`;
}

async function forward(req: IncomingMessage, body: string, res: ServerResponse, origin: string): Promise<void> {
  const headers: Record<string, string> = {};
  for (const name of ['content-type', 'accept', 'if-none-exist', 'if-match']) {
    const value = req.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  const upstream = await fetch(`${origin}${req.url ?? ''}`, {
    method: req.method ?? 'GET',
    headers,
    ...(body ? { body } : {}),
  });
  for (const name of ['content-type', 'location', 'etag']) {
    const value = upstream.headers.get(name);
    if (value) res.setHeader(name, value);
  }
  res.statusCode = upstream.status;
  res.end(await upstream.text());
}

function answer(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
