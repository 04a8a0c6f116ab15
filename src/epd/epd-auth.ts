import { EpdError, isRetryableStatus } from './epd-error.js';
import type { EpdTransport } from './epd-transport.js';
import { smartBackendForm, type SmartBackendAuth } from './smart-backend-auth.js';

/** How sdm-bridge authenticates to the EPD's FHIR API. */
export type EpdAuth =
  | { type: 'none' }
  | { type: 'bearer'; token: string }
  | { type: 'client-credentials'; tokenUrl: string; clientId: string; clientSecret: string; scope?: string }
  | SmartBackendAuth;

/** Supplies the `Authorization` header of EPD calls and renews it when the EPD refuses it. */
export interface AuthHeaders {
  /** The header value (`Bearer …`), or undefined without auth. */
  authorization(): Promise<string | undefined>;
  /** Forgets a header the EPD answered 401 to; true when a new one can be fetched, so one retry is worth it. */
  renew(refused: string | undefined): boolean;
}

/** A token is renewed this long before it expires (at most half its lifetime), so it never runs out during a call. */
const RENEW_BEFORE_EXPIRY_MS = 60_000;
/** Lifetime assumed when the token endpoint does not say (`expires_in` is only RECOMMENDED in RFC 6749). */
const DEFAULT_TOKEN_LIFETIME_S = 300;

/** What a token request needs of the transport: the same pool, TLS settings, caps and timeout as every EPD call. */
export type TokenTransport = Pick<EpdTransport, 'send'>;

/** Creates the header supplier for the configured kind of auth; token requests go through `transport`. */
export function createAuthHeaders(auth: EpdAuth, transport: TokenTransport): AuthHeaders {
  if (auth.type === 'none') return { authorization: async () => undefined, renew: () => false };
  if (auth.type === 'bearer') return { authorization: async () => `Bearer ${auth.token}`, renew: () => false };
  if (auth.type === 'smart-backend') return oauthTokens(auth.tokenUrl, smartBackendForm(auth), transport);
  return oauthTokens(auth.tokenUrl, async () => secretForm(auth), transport);
}

type ClientSecret = Extract<EpdAuth, { type: 'client-credentials' }>;
/** Builds the body of one token request; called again for every new token (a new assertion each time). */
export type TokenForm = () => Promise<URLSearchParams>;

/**
 * Bearer tokens from an OAuth2 token endpoint: client credentials (RFC 6749 §4.4) with a client
 * secret or a signed client assertion (SMART Backend Services), or whatever grant `form` builds.
 * One token is shared by all calls and cached until shortly before it expires; concurrent calls
 * wait for the same token request instead of each fetching their own. `server` names the server
 * the tokens are for in errors ("EPD", "terminology server").
 */
export function oauthTokens(tokenUrl: string, form: TokenForm, transport: TokenTransport, server = 'EPD'): AuthHeaders {
  let cached: { header: string; renewAt: number } | undefined;
  let pending: Promise<string> | undefined;
  return {
    async authorization() {
      if (cached && Date.now() < cached.renewAt) return cached.header;
      pending ??= fetchToken(tokenUrl, form, transport, server)
        .then((token) => {
          cached = token;
          return token.header;
        })
        .finally(() => {
          pending = undefined;
        });
      return pending;
    },
    renew(refused) {
      if (cached?.header === refused) cached = undefined;
      return true;
    },
  };
}

/** The client's id and secret as a form (`client_secret_post`). */
function secretForm(auth: ClientSecret): URLSearchParams {
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: auth.clientId,
    client_secret: auth.clientSecret,
  });
  if (auth.scope) form.set('scope', auth.scope);
  return form;
}

/** Posts the token request form and reads the bearer token (a network failure is thrown by the transport as an EpdError). */
async function fetchToken(
  tokenUrl: string,
  form: TokenForm,
  transport: TokenTransport,
  server: string,
): Promise<{ header: string; renewAt: number }> {
  const requestedAt = Date.now();
  const requestBody = await form();
  const answer = await transport.send('token request', tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: requestBody.toString(),
  });
  const status = answer.status;
  const body = parseJsonObject(answer.body);
  if (status < 200 || status >= 300 || typeof body?.access_token !== 'string' || !body.access_token) {
    // The OAuth error code (`invalid_client`, ...) helps; the rest of the answer stays out.
    const reason =
      typeof body?.error === 'string' ? `: ${body.error.slice(0, 60)}` : status < 300 ? ': no access_token' : '';
    const retry = isRetryableStatus(status);
    throw new EpdError(`${server} token request failed with HTTP ${status}${reason}`, {
      status: status < 300 ? 502 : status,
      retry,
      code: retry ? 'transient' : 'login',
    });
  }
  const expiresIn = Number(body.expires_in); // some servers send it as a string
  const lifetimeS = Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : DEFAULT_TOKEN_LIFETIME_S;
  const lifetimeMs = lifetimeS * 1000;
  // Why at most half: a server handing out one-minute tokens would otherwise be asked for a new one on every call.
  return {
    header: `Bearer ${body.access_token}`,
    renewAt: requestedAt + lifetimeMs - Math.min(RENEW_BEFORE_EXPIRY_MS, lifetimeMs / 2),
  };
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
