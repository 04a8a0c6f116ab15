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
export type TerminologyMode = 'ok' | 'down' | '500' | 'outcome' | 'outcome-200' | 'empty' | 'ignore-offset';

/** A terminology server on loopback answering `GET [base]/ValueSet/$expand` with paging. */
export interface TestTerminologyServer {
  /** FHIR base: `http://127.0.0.1:<port>/fhir`. */
  baseUrl: string;
  /** The query strings and Authorization headers it received. */
  requests: { query: Record<string, string>; authorization?: string }[];
  /** Sets (or replaces) the expansion of `url` (of `version`, when given). */
  setValueSet(url: string, contains: ContainsEntry[], version?: string): void;
  mode: TerminologyMode;
  close(): Promise<void>;
}

/**
 * Pages as Ontoserver and HAPI do: `offset`/`count` over the top-level entries, capped at `maxPage`
 * per answer whatever `count` asks, with `expansion.total` and `expansion.offset`. An unknown value
 * set is a 404 OperationOutcome, as HAPI answers it.
 */
export async function startTerminologyServer(options: { maxPage?: number } = {}): Promise<TestTerminologyServer> {
  const valueSets = new Map<string, ContainsEntry[]>();
  const app = express();
  const state = {
    mode: 'ok' as TerminologyMode,
    requests: [] as TestTerminologyServer['requests'],
  };
  app.get('/fhir/ValueSet/:operation', (req, res) => {
    const query = Object.fromEntries(Object.entries(req.query).map(([k, v]) => [k, String(v)]));
    state.requests.push({ query, ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) });
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
    const offset = state.mode === 'ignore-offset' ? 0 : Number(query.offset ?? 0);
    const count = Math.min(Number(query.count ?? contains.length), options.maxPage ?? Infinity);
    res.type('application/fhir+json').json({
      resourceType: 'ValueSet',
      url: query.url,
      status: 'active',
      expansion: {
        timestamp: new Date().toISOString(),
        total: contains.length,
        offset,
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
