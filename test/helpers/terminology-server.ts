import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';

/** One entry of an expansion as a terminology server sends it. */
export interface ContainsEntry {
  system?: string;
  code?: string;
  display?: string;
  abstract?: boolean;
  inactive?: boolean;
  contains?: ContainsEntry[];
}

/** How the server answers `$expand`: normally, or one of the ways a real server fails. */
export type TerminologyMode =
  | 'ok'
  | 'down'
  | '500'
  | 'outcome'
  | 'outcome-200'
  | 'empty'
  | 'ignore-offset'
  /** Pages without `expansion.total` and `expansion.offset` (both optional in R4). */
  | 'no-total'
  /** No total and no offset in the answer, and `offset` ignored: the first page every time. */
  | 'no-total-ignore-offset';

/** A terminology server on loopback answering `GET [base]/ValueSet/$expand` with paging. */
export interface TestTerminologyServer {
  /** FHIR base: `http://127.0.0.1:<port>/fhir`. */
  baseUrl: string;
  /** The query strings and Authorization headers it received. */
  requests: { query: Record<string, string>; authorization?: string }[];
  /** Sets (or replaces) the expansion of `url` (of `version`, when given). */
  setValueSet(url: string, contains: ContainsEntry[], version?: string): void;
  mode: TerminologyMode;
  /** With `login`: the token endpoint (`POST`, a form, as Keycloak takes it). */
  tokenUrl: string;
  /** With `login`: the forms posted to the token endpoint, in order. */
  tokenRequests: Record<string, string>[];
  /** With `login`: forgets every token handed out, so the next `$expand` with one gets a 401. */
  revokeTokens(): void;
  close(): Promise<void>;
}

/** The account the token endpoint accepts: client credentials, or a user name and password (the password grant). */
export interface TerminologyLogin {
  clientId: string;
  clientSecret?: string;
  username?: string;
  password?: string;
}

/**
 * Pages as Ontoserver and HAPI do: `offset`/`count` over the top-level entries, capped at `maxPage`
 * per answer whatever `count` asks, with `expansion.total` and `expansion.offset`. An unknown value
 * set is a 404 OperationOutcome, as HAPI answers it.
 */
export async function startTerminologyServer(
  options: { maxPage?: number; login?: TerminologyLogin } = {},
): Promise<TestTerminologyServer> {
  const valueSets = new Map<string, ContainsEntry[]>();
  const app = express();
  const state = {
    mode: 'ok' as TerminologyMode,
    requests: [] as TestTerminologyServer['requests'],
    tokenRequests: [] as Record<string, string>[],
    tokens: new Set<string>(),
  };
  const { login } = options;
  app.post('/auth/token', express.urlencoded({ extended: false }), (req, res) => {
    const form = req.body as Record<string, string>;
    state.tokenRequests.push(form);
    const clientOk = form.client_id === login?.clientId && form.client_secret === login?.clientSecret;
    const granted =
      form.grant_type === 'password'
        ? clientOk && form.username === login?.username && form.password === login?.password
        : form.grant_type === 'client_credentials' && clientOk && login?.clientSecret !== undefined;
    if (!granted) return void res.status(401).json({ error: 'invalid_client' });
    const token = `tok-${state.tokenRequests.length}`;
    state.tokens.add(token);
    res.json({ access_token: token, token_type: 'Bearer', expires_in: 300 });
  });
  app.get('/fhir/ValueSet/:operation', (req, res) => {
    const query = Object.fromEntries(Object.entries(req.query).map(([k, v]) => [k, String(v)]));
    state.requests.push({ query, ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) });
    if (login && !state.tokens.has(req.headers.authorization?.replace(/^Bearer /, '') ?? ''))
      return void res.status(401).json(outcome('Authentication required'));
    if (req.params.operation !== '$expand') return void res.status(404).end();
    if (state.mode === 'down') return void req.socket.destroy();
    if (state.mode === '500') return void res.status(500).type('text/html').send('<h1>Internal Server Error</h1>');
    if (state.mode === 'outcome' || state.mode === 'outcome-200')
      return void res
        .status(state.mode === 'outcome' ? 422 : 200)
        .json(outcome('Unable to expand: code system not loaded'));
    const key = query.valueSetVersion ? `${query.url}|${query.valueSetVersion}` : (query.url ?? '');
    const all = valueSets.get(key);
    if (!all) return void res.status(404).json(outcome(`ValueSet ${key} not found`));
    const contains = state.mode === 'empty' ? [] : all;
    const ignoresOffset = state.mode === 'ignore-offset' || state.mode === 'no-total-ignore-offset';
    const offset = ignoresOffset ? 0 : Number(query.offset ?? 0);
    const bare = state.mode === 'no-total' || state.mode === 'no-total-ignore-offset';
    const count = Math.min(Number(query.count ?? contains.length), options.maxPage ?? Infinity);
    res.type('application/fhir+json').json({
      resourceType: 'ValueSet',
      url: query.url,
      status: 'active',
      expansion: {
        timestamp: new Date().toISOString(),
        ...(bare ? {} : { total: contains.length, offset }),
        contains: contains.slice(offset, offset + count),
      },
    });
  });
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/fhir`,
    requests: state.requests,
    setValueSet: (url, contains, version) => valueSets.set(version ? `${url}|${version}` : url, contains),
    get mode() {
      return state.mode;
    },
    set mode(mode) {
      state.mode = mode;
    },
    tokenUrl: `http://127.0.0.1:${port}/auth/token`,
    tokenRequests: state.tokenRequests,
    revokeTokens: () => state.tokens.clear(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function outcome(diagnostics: string) {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found', diagnostics }] };
}
