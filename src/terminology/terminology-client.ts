import { Agent } from 'undici';
import { oauthTokens, type AuthHeaders } from '../epd/epd-auth.js';
import { EpdError, failureReason } from '../epd/epd-error.js';
import { createEpdTransport, type EpdTransport } from '../epd/epd-transport.js';
import type { ValueSetCode } from '../rules/read-value-set.js';
import { flattenExpansion, type ExpansionEntry } from './flatten-expansion.js';
import type { TerminologyAuth, TerminologySettings } from './terminology-settings.js';

/** Codes asked per `$expand` page: what common servers allow per page (Ontoserver and HAPI go to 1,000 and more). */
const PAGE_SIZE = 1_000;
/** One page of 1,000 codes is about 200 KiB; a server that ignores `count` and sends more than this is refused. */
const MAX_PAGE_BYTES = 32 * 1024 * 1024;
/** A server message shown in an error is cut here: enough for "ValueSet not found", not a page of stack trace. */
const MAX_REASON_LENGTH = 200;

/** The terminology server did not give a usable expansion; the message says why, naming the value set. */
export class TerminologyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TerminologyError';
  }
}

/** Expands value sets by canonical URL (`url` or `url|version`) through `ValueSet/$expand`. */
export interface TerminologyClient {
  expand(name: string): Promise<ValueSetCode[]>;
  close(): Promise<void>;
}

interface ExpansionAnswer {
  resourceType?: unknown;
  expansion?: { total?: unknown; offset?: unknown; contains?: ExpansionEntry[] };
  issue?: { diagnostics?: unknown; details?: { text?: unknown } }[];
}

/**
 * A client of one terminology server. Pages through large expansions (`offset`/`count`, until
 * `expansion.total`, or an empty page where the server gives no total), refuses more than `maxCodes` codes, and refuses what is not an expansion (an
 * OperationOutcome, also under 200). Redirects are not followed: the token would travel with them.
 */
export function createTerminologyClient(settings: TerminologySettings): TerminologyClient {
  const agent = new Agent({ maxResponseSize: MAX_PAGE_BYTES });
  const login = settings.auth ? createLogin(settings.auth, settings.timeoutMs) : undefined;
  const page = (name: string, offset: number) => fetchPage(settings, agent, login?.headers, name, offset);
  return {
    async expand(name) {
      const codes = new Map<string, ValueSetCode>();
      let offset = 0;
      let firstEntry: string | undefined;
      for (;;) {
        const expansion = await page(name, offset);
        const total = typeof expansion.total === 'number' ? expansion.total : undefined;
        if (total !== undefined && total > settings.maxCodes) throw tooMany(name, `${total}`, settings.maxCodes);
        const entries = expansion.contains ?? [];
        // A server that ignores offset says so by `expansion.offset`, or, without it, sends the first page again.
        const startsWith = JSON.stringify(entries[0] ?? null);
        const again = typeof expansion.offset === 'number' ? expansion.offset !== offset : startsWith === firstEntry;
        if (offset > 0 && entries.length > 0 && again)
          throw new TerminologyError(
            `value set ${name}: the terminology server ignores offset, so its expansion cannot be paged`,
          );
        firstEntry ??= startsWith;
        for (const code of flattenExpansion(entries)) codes.set(`${code.system}|${code.code}`, code);
        if (codes.size > settings.maxCodes) throw tooMany(name, `more than ${settings.maxCodes}`, settings.maxCodes);
        offset += entries.length;
        // `expansion.total` is optional in R4: without it the end is the first empty page, not the first page.
        if (!entries.length || (total !== undefined && offset >= total)) return [...codes.values()];
      }
    },
    close: async () => {
      await agent.close();
      await login?.transport?.close();
    },
  };
}

/** The Authorization header supplier for the settings, and the pool its token requests use (if any). */
function createLogin(auth: TerminologyAuth, timeoutMs: number): { headers: AuthHeaders; transport?: EpdTransport } {
  if (auth.type === 'bearer')
    return { headers: { authorization: async () => `Bearer ${auth.token}`, renew: () => false } };
  const transport = createEpdTransport({ timeoutMs });
  const form = new URLSearchParams({ grant_type: auth.type === 'password' ? 'password' : 'client_credentials' });
  form.set('client_id', auth.clientId);
  if (auth.clientSecret) form.set('client_secret', auth.clientSecret);
  if (auth.type === 'password') {
    form.set('username', auth.username);
    form.set('password', auth.password);
  }
  if (auth.scope) form.set('scope', auth.scope);
  return { headers: oauthTokens(auth.tokenUrl, async () => form, transport, 'terminology server'), transport };
}

/**
 * One `$expand` page. A 401 with a token from a token endpoint (expired early, revoked, the server
 * restarted) is asked once more with a new token; a second 401 is the answer.
 */
async function fetchPage(
  settings: TerminologySettings,
  agent: Agent,
  auth: AuthHeaders | undefined,
  name: string,
  offset: number,
): Promise<NonNullable<ExpansionAnswer['expansion']>> {
  const [url, version] = splitCanonical(name);
  const query = new URLSearchParams({ url, ...(version ? { valueSetVersion: version } : {}) });
  query.set('offset', String(offset));
  query.set('count', String(PAGE_SIZE));
  let res: Response;
  let body: ExpansionAnswer | undefined;
  for (let attempt = 1; ; attempt++) {
    const authorization = await bearer(auth, name);
    try {
      res = await fetch(`${settings.baseUrl}/ValueSet/$expand?${query}`, {
        headers: { accept: 'application/fhir+json', ...(authorization ? { authorization } : {}) },
        redirect: 'manual',
        signal: AbortSignal.timeout(settings.timeoutMs),
        dispatcher: agent,
      } as RequestInit);
      body = (await res.json().catch(() => undefined)) as ExpansionAnswer | undefined;
    } catch (err) {
      throw new TerminologyError(`value set ${name}: terminology server not reachable (${networkReason(err)})`);
    }
    if (res.status !== 401 || attempt > 1 || !auth?.renew(authorization)) break;
  }
  if (body?.resourceType === 'OperationOutcome' || !res.ok)
    throw new TerminologyError(`value set ${name}: terminology server answered ${res.status}${reasonOf(body)}`);
  if (body?.resourceType !== 'ValueSet' || !body.expansion)
    throw new TerminologyError(
      `value set ${name}: the terminology server's answer is not a ValueSet with an expansion`,
    );
  return body.expansion;
}

/** The Authorization header; a failed token request is the terminology server being unreachable, said so. */
async function bearer(auth: AuthHeaders | undefined, name: string): Promise<string | undefined> {
  try {
    return await auth?.authorization();
  } catch (err) {
    // A network failure is worded by the EPD transport the token request used; say whose it was.
    const unreachable = err instanceof EpdError && err.status === 0;
    const reason = unreachable
      ? `the terminology server's token endpoint is not reachable (${failureReason(err.cause)})`
      : (err as Error).message;
    throw new TerminologyError(`value set ${name}: ${reason}`);
  }
}

/** `url|version` → [url, version]; the version is sent as `valueSetVersion`, as FHIR R4 `$expand` defines. */
export function splitCanonical(name: string): [string, string | undefined] {
  const bar = name.indexOf('|');
  return bar < 0 ? [name, undefined] : [name.slice(0, bar), name.slice(bar + 1) || undefined];
}

function tooMany(name: string, count: string, max: number): TerminologyError {
  return new TerminologyError(
    `value set ${name} has ${count} codes, over TERMINOLOGY_MAX_CODES (${max}): name a narrower value set, or raise the cap`,
  );
}

// Why the server's own words are shown: the terminology server only ever sees value-set URLs,
// never a patient, so its diagnostics cannot quote patient data; and "not found" is what IT needs.
function reasonOf(body: ExpansionAnswer | undefined): string {
  const issue = body?.resourceType === 'OperationOutcome' ? body.issue?.[0] : undefined;
  const text = issue?.diagnostics ?? issue?.details?.text;
  return typeof text === 'string' && text.trim() ? `: ${text.trim().slice(0, MAX_REASON_LENGTH)}` : '';
}

function networkReason(err: unknown): string {
  if ((err as Error)?.name === 'TimeoutError') return 'timed out';
  const cause = (err as { cause?: { code?: unknown; message?: unknown } })?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  // Node's own fetch wraps the socket error of another undici version without its code: its message says it.
  if (typeof cause?.message === 'string' && cause.message) return cause.message.slice(0, MAX_REASON_LENGTH);
  return (err as Error)?.name ?? 'error';
}
