import { jest } from '@jest/globals';
import { generateKeyPairSync } from 'node:crypto';
import { calculateJwkThumbprint, createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JWK } from 'jose';
import nock from 'nock';
import { createAuthHeaders } from './epd-auth.js';
import { createEpdTransport } from './epd-transport.js';
import { createEpdClient } from './fhir-epd-client.js';
import {
  CLIENT_ASSERTION_TYPE,
  clientAssertion,
  publicJwks,
  signingKey,
  type SmartBackendAuth,
  type SmartJwtAlg,
} from './smart-backend-auth.js';

const TOKEN_HOST = 'https://auth.epd.test';
const TOKEN_URL = `${TOKEN_HOST}/oauth2/token`;
const transport = createEpdTransport({ timeoutMs: 2_000 });

function pemFor(alg: SmartJwtAlg): string {
  const { privateKey } =
    alg === 'ES384'
      ? generateKeyPairSync('ec', { namedCurve: 'P-384' })
      : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

const pems = { RS384: pemFor('RS384'), ES384: pemFor('ES384'), RS512: pemFor('RS512') };
const authFor = (alg: SmartJwtAlg, keyId?: string): SmartBackendAuth => ({
  type: 'smart-backend',
  tokenUrl: TOKEN_URL,
  clientId: 'sdm-bridge',
  scope: 'system/Patient.rs system/Task.cu',
  privateKeyPem: pems[alg],
  alg,
  ...(keyId ? { keyId } : {}),
});

/** Verifies an assertion the way a token server does: against the published key set. */
async function verifyAssertion(jwt: string, auth: SmartBackendAuth) {
  const jwks = createLocalJWKSet(publicJwks(auth) as { keys: JWK[] });
  return jwtVerify(jwt, jwks, {
    issuer: auth.clientId,
    subject: auth.clientId,
    audience: TOKEN_URL,
    algorithms: [auth.alg],
  });
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
  jest.restoreAllMocks();
});
afterAll(() => nock.enableNetConnect());

describe('SMART Backend Services client assertion', () => {
  it.each(['RS384', 'ES384', 'RS512'] as const)(
    '%s: verifies against the published JWKS with the SMART claims',
    async (alg) => {
      const auth = authFor(alg, 'key-2025');
      const now = Date.now();
      const jwt = await clientAssertion(auth, signingKey(auth), now);
      const { payload, protectedHeader } = await verifyAssertion(jwt, auth);
      expect(protectedHeader).toEqual({ alg, kid: 'key-2025', typ: 'JWT' });
      expect(payload.iat!).toBeLessThanOrEqual(now / 1000); // slightly in the past: a server clock behind ours still accepts it
      expect(payload.iat!).toBeGreaterThanOrEqual(now / 1000 - 60);
      expect(payload.exp! - now / 1000).toBeLessThanOrEqual(300); // SMART: no more than five minutes in the future
      expect(payload.exp! - now / 1000).toBeGreaterThan(120);
      expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);
    },
  );

  it('gives every assertion its own jti', async () => {
    const auth = authFor('RS384');
    const key = signingKey(auth);
    const ids = await Promise.all(
      [1, 2, 3].map(async () => (await verifyAssertion(await clientAssertion(auth, key), auth)).payload.jti),
    );
    expect(new Set(ids).size).toBe(3);
  });

  it('uses the RFC 7638 thumbprint as kid when none is configured', async () => {
    const auth = authFor('ES384');
    const { keys } = publicJwks(auth);
    expect(keys[0]!.kid).toBe(await calculateJwkThumbprint(keys[0] as JWK, 'sha256'));
    expect(decodeProtectedHeader(await clientAssertion(auth, signingKey(auth))).kid).toBe(keys[0]!.kid);
  });

  it.each(['RS384', 'ES384'] as const)('%s: publishes public members only', (alg) => {
    const [key] = publicJwks(authFor(alg)).keys;
    expect(key).toMatchObject({ alg, use: 'sig', key_ops: ['verify'] });
    for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(key).not.toHaveProperty(member);
  });

  it('publishes no keys under other kinds of EPD auth', () => {
    expect(publicJwks({ type: 'client-credentials' })).toEqual({ keys: [] });
  });
});

describe('SMART Backend Services token requests', () => {
  /** Answers token requests, recording each form it received. */
  function tokenServer(expiresIn: number) {
    const forms: URLSearchParams[] = [];
    nock(TOKEN_HOST)
      .post('/oauth2/token')
      .times(10)
      .reply(200, (_uri, body) => {
        forms.push(new URLSearchParams(String(body)));
        return {
          access_token: `token-${forms.length}`,
          token_type: 'bearer',
          expires_in: expiresIn,
          scope: 'system/Patient.rs',
        };
      });
    return forms;
  }

  it('posts a signed assertion (no secret) that verifies against the published JWKS', async () => {
    const forms = tokenServer(300);
    const auth = authFor('RS384');
    expect(await createAuthHeaders(auth, transport).authorization()).toBe('Bearer token-1');
    const form = forms[0]!;
    expect(form.get('grant_type')).toBe('client_credentials');
    expect(form.get('scope')).toBe(auth.scope);
    expect(form.get('client_assertion_type')).toBe(CLIENT_ASSERTION_TYPE);
    expect(form.has('client_secret')).toBe(false);
    await expect(verifyAssertion(form.get('client_assertion')!, auth)).resolves.toBeDefined();
  });

  it('caches the token, also for concurrent calls, and renews it shortly before expiry', async () => {
    const forms = tokenServer(300);
    const headers = createAuthHeaders(authFor('ES384'), transport);
    const start = Date.now();
    const first = await Promise.all([headers.authorization(), headers.authorization(), headers.authorization()]);
    expect(first).toEqual(['Bearer token-1', 'Bearer token-1', 'Bearer token-1']);
    jest.spyOn(Date, 'now').mockReturnValue(start + 230_000); // 70 s before expiry: still good
    expect(await headers.authorization()).toBe('Bearer token-1');
    jest.spyOn(Date, 'now').mockReturnValue(start + 250_000); // within the last minute: renewed
    expect(await headers.authorization()).toBe('Bearer token-2');
    expect(forms).toHaveLength(2);
    expect(forms[0]!.get('client_assertion')).not.toBe(forms[1]!.get('client_assertion'));
  });

  it('renews a short-lived token at half its lifetime, not on every call', async () => {
    const forms = tokenServer(60);
    const headers = createAuthHeaders(authFor('RS512'), transport);
    const start = Date.now();
    await headers.authorization();
    jest.spyOn(Date, 'now').mockReturnValue(start + 20_000);
    expect(await headers.authorization()).toBe('Bearer token-1');
    jest.spyOn(Date, 'now').mockReturnValue(start + 31_000);
    expect(await headers.authorization()).toBe('Bearer token-2');
    expect(forms).toHaveLength(2);
  });

  it('fetches a new token after the EPD refused the cached one', async () => {
    tokenServer(300);
    const headers = createAuthHeaders(authFor('RS384'), transport);
    const refused = await headers.authorization();
    expect(headers.renew(refused)).toBe(true);
    expect(await headers.authorization()).toBe('Bearer token-2');
  });

  it('reports a refused assertion as a login error without retry', async () => {
    nock(TOKEN_HOST).post('/oauth2/token').reply(401, { error: 'invalid_client', error_description: 'kid unknown' });
    await expect(createAuthHeaders(authFor('RS384'), transport).authorization()).rejects.toMatchObject({
      status: 401,
      retry: false,
      message: expect.stringContaining('invalid_client'),
    });
  });

  it('is what the EPD client sends: one token for several reads', async () => {
    const forms = tokenServer(300);
    const seen: (string | undefined)[] = [];
    nock('https://epd.test')
      .get(/\/fhir\/Patient\/p\d/)
      .times(2)
      .reply(function () {
        seen.push(this.req.headers.authorization as string | undefined);
        return [200, { resourceType: 'Patient', id: 'p1' }, { 'content-type': 'application/fhir+json' }];
      });
    const epd = createEpdClient({ baseUrl: 'https://epd.test/fhir', auth: authFor('ES384'), timeoutMs: 2_000 });
    await epd.read('Patient/p1');
    await epd.read('Patient/p2');
    expect(seen).toEqual(['Bearer token-1', 'Bearer token-1']);
    expect(forms).toHaveLength(1);
  });
});

// nock patches node:http for the whole worker process; undo it so later test files get the real one.
afterAll(() => nock.restore());
