import { generateKeyPairSync } from 'node:crypto';
import { createLocalJWKSet, jwtVerify, type JWK } from 'jose';
import request from 'supertest';
import { clientAssertion, publicJwks, signingKey, type SmartBackendAuth } from '../epd/smart-backend-auth.js';
import { createLogger } from '../shared/logger.js';
import { createApp } from './create-app.js';

const auth: SmartBackendAuth = {
  type: 'smart-backend',
  tokenUrl: 'https://auth.epd.test/token',
  clientId: 'sdm-bridge',
  scope: 'system/Task.cu',
  privateKeyPem: generateKeyPairSync('rsa', { modulusLength: 2048 })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString(),
  keyId: 'sdm-1',
  alg: 'RS384',
};

const appWith = (jwks?: ReturnType<typeof publicJwks>) =>
  createApp({
    log: createLogger({ level: 'silent' }),
    notify: {
      sources: [],
      epdBase: 'https://epd.example.org/fhir',
      maxBodyBytes: 1024,
      relevantTypes: () => new Set(),
      enqueueEvents: async () => undefined,
    },
    ...(jwks ? { jwks } : {}),
  });

describe('GET /.well-known/jwks.json', () => {
  it('serves the public key, without credentials, and it verifies a client assertion', async () => {
    const res = await request(appWith(publicJwks(auth))).get('/.well-known/jwks.json');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/jwk-set\+json/);
    expect(res.headers['cache-control']).toBe('public, max-age=300');
    const jwks = JSON.parse(res.text) as { keys: JWK[] };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', kid: 'sdm-1', alg: 'RS384', use: 'sig' });
    expect(Object.keys(jwks.keys[0]!).sort()).toEqual(['alg', 'e', 'key_ops', 'kid', 'kty', 'n', 'use']);
    const jwt = await clientAssertion(auth, signingKey(auth));
    await expect(jwtVerify(jwt, createLocalJWKSet(jwks), { audience: auth.tokenUrl })).resolves.toBeDefined();
  });

  it('drops private members even when handed a private JWK', async () => {
    const leaky = { keys: [{ ...publicJwks(auth).keys[0]!, d: 'secret', p: 'x', q: 'y' }] };
    const res = await request(appWith(leaky)).get('/.well-known/jwks.json');
    expect(res.text).not.toMatch(/"d"|"p"|"q"/);
  });

  it('is not there without SMART Backend Services auth', async () => {
    expect((await request(appWith(publicJwks({ type: 'none' }))).get('/.well-known/jwks.json')).status).toBe(404);
    expect((await request(appWith()).get('/.well-known/jwks.json')).status).toBe(404);
  });
});
