import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './load-config.js';

const valid = {
  EPD_BASE_URL: 'http://127.0.0.1:8103/fhir/',
  INTAKE_SOURCES: 'hix',
  INTAKE_HIX_TOKEN: 'a-token-of-enough-length',
  PSEUDONYM_SECRET: 'a-secret-of-enough-length',
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('loadConfig', () => {
  it('fills defaults, trims the EPD base URL and freezes the result', () => {
    const config = loadConfig(valid);
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(config.epd.baseUrl).toBe('http://127.0.0.1:8103/fhir');
    expect(config.sources).toEqual([
      { id: 'hix', auth: { type: 'bearer', token: 'a-token-of-enough-length' }, mode: 'push' },
    ]);
    expect(Object.isFrozen(config.epd)).toBe(true);
  });

  it('reads an HMAC source and client-credentials EPD auth', () => {
    const config = loadConfig({
      ...valid,
      INTAKE_SOURCES: 'hix,integration-engine',
      INTAKE_INTEGRATION_ENGINE_HMAC_SECRET: 'another-secret-long-enough',
      EPD_AUTH: 'client-credentials',
      EPD_TOKEN_URL: 'http://127.0.0.1:9000/token',
      EPD_CLIENT_ID: 'sdm-bridge',
      EPD_CLIENT_SECRET: 'secret',
    });
    expect(config.sources[1]).toEqual({
      id: 'integration-engine',
      auth: { type: 'hmac', secret: 'another-secret-long-enough', maxAgeSeconds: 300 },
      mode: 'push',
    });
    expect(config.epd.auth.type).toBe('client-credentials');
  });

  it('reports every problem at once', () => {
    const problems = problemsOf({
      EPD_BASE_URL: 'not a url',
      INTAKE_SOURCES: 'hix,lab',
      INTAKE_HIX_TOKEN: 'short',
      PORT: 'eighty',
      PSEUDONYM_SECRET: 'x',
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^EPD_BASE_URL/),
        expect.stringMatching(/^PORT/),
        expect.stringMatching(/^PSEUDONYM_SECRET/),
        expect.stringMatching(/^INTAKE_HIX_TOKEN: must be at least 16/),
        expect.stringMatching(/^INTAKE_LAB_TOKEN or INTAKE_LAB_HMAC_SECRET: required/),
      ]),
    );
  });

  it.each([
    [{ EPD_AUTH: 'bearer' }, /^EPD_TOKEN: required/],
    [{ EPD_AUTH: 'client-credentials' }, /^EPD_TOKEN_URL: required/],
    [{ INTAKE_HIX_HMAC_SECRET: 'a-secret-of-enough-length' }, /set one, not both/],
    [{ INTAKE_SOURCES: 'HIX' }, /may only hold/],
    [{ REDIS_URL: 'http://127.0.0.1:6379' }, /^REDIS_URL/],
  ])('refuses %j', (extra, expected) => {
    expect(problemsOf({ ...valid, ...extra })).toEqual(expect.arrayContaining([expect.stringMatching(expected)]));
  });
});

describe('loadConfig: push, poll and both', () => {
  it('reads the mode and the resource types to poll per source, and the poll settings', () => {
    const config = loadConfig({
      ...valid,
      INTAKE_HIX_MODE: 'both',
      INTAKE_HIX_POLL_TYPES: 'MedicationRequest, Encounter',
      POLL_INTERVAL_MS: '15000',
    });
    expect(config.sources[0]).toMatchObject({ id: 'hix', mode: 'both', pollTypes: ['MedicationRequest', 'Encounter'] });
    expect(config.poll).toMatchObject({
      intervalMs: 15_000,
      overlapMs: 300_000,
      reconcileWindowMs: 86_400_000,
      gapGraceMs: 30_000,
    });
  });

  it.each([
    [{ INTAKE_HIX_MODE: 'pull' }, /^INTAKE_HIX_MODE: must be one of push, poll, both/],
    [
      { INTAKE_HIX_POLL_TYPES: 'MedicationRequest,medication-request' },
      /^INTAKE_HIX_POLL_TYPES: "medication-request" is not/,
    ],
    [{ POLL_INTERVAL_MS: '10' }, /^POLL_INTERVAL_MS/],
    [
      { POLL_OVERLAP_MS: '3600000', POLL_MAX_WINDOW_MS: '3600000' },
      /^POLL_MAX_WINDOW_MS: must be larger than POLL_OVERLAP_MS/,
    ],
  ])('refuses %j', (extra, expected) => {
    expect(problemsOf({ ...valid, ...extra })).toEqual(expect.arrayContaining([expect.stringMatching(expected)]));
  });
});

describe('loadConfig: security settings', () => {
  const keyDir = mkdtempSync(join(tmpdir(), 'sdm-key-'));
  const pem = (key: KeyObject) => key.export({ type: 'pkcs8', format: 'pem' }).toString();
  const rsaPem = pem(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
  const ecPem = pem(generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey);
  const smallRsaPem = pem(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey);
  const keyFile = join(keyDir, 'epd-key.pem');
  writeFileSync(keyFile, ecPem);
  const smart = {
    ...valid,
    EPD_AUTH: 'smart-backend',
    EPD_TOKEN_URL: 'https://epd.example/oauth2/token',
    EPD_CLIENT_ID: 'sdm-bridge',
    EPD_SCOPE: 'system/Patient.rs system/Task.cu',
  };
  afterAll(() => rmSync(keyDir, { recursive: true, force: true }));

  it('reads SMART Backend Services with the key in a file', () => {
    const config = loadConfig({
      ...smart,
      EPD_PRIVATE_KEY_FILE: keyFile,
      EPD_JWT_ALG: 'ES384',
      EPD_KEY_ID: 'sdm-2025-01',
    });
    expect(config.epd.auth).toMatchObject({
      type: 'smart-backend',
      alg: 'ES384',
      keyId: 'sdm-2025-01',
      privateKeyPem: ecPem,
    });
  });

  it('reads the key from an env var with escaped newlines, RS384 by default', () => {
    const config = loadConfig({ ...smart, EPD_PRIVATE_KEY: rsaPem.replace(/\n/g, '\\n') });
    expect(config.epd.auth).toMatchObject({ type: 'smart-backend', alg: 'RS384', privateKeyPem: rsaPem });
  });

  it('applies the signature window to every HMAC source', () => {
    const config = loadConfig({
      ...valid,
      INTAKE_HIX_TOKEN: '',
      INTAKE_HIX_HMAC_SECRET: 'a-secret-of-enough-length',
      SIGNATURE_MAX_AGE_SECONDS: '120',
    });
    expect(config.sources[0]!.auth).toEqual({ type: 'hmac', secret: 'a-secret-of-enough-length', maxAgeSeconds: 120 });
  });

  it.each([
    ['no key', { ...smart }, /^EPD_PRIVATE_KEY or EPD_PRIVATE_KEY_FILE: required/],
    ['a key in both places', { ...smart, EPD_PRIVATE_KEY: rsaPem, EPD_PRIVATE_KEY_FILE: keyFile }, /set one, not both/],
    [
      'a key file that is missing',
      { ...smart, EPD_PRIVATE_KEY_FILE: join(keyDir, 'missing.pem') },
      /^EPD_PRIVATE_KEY_FILE: cannot be read \(ENOENT\)/,
    ],
    ['a key that is no PEM', { ...smart, EPD_PRIVATE_KEY: 'not a key' }, /^EPD_PRIVATE_KEY: not a PEM private key/],
    [
      'an RSA key for ES384',
      { ...smart, EPD_PRIVATE_KEY: rsaPem, EPD_JWT_ALG: 'ES384' },
      /needs an EC key on curve P-384/,
    ],
    ['an EC key for RS384', { ...smart, EPD_PRIVATE_KEY: ecPem }, /RS384 needs an RSA key/],
    ['a 1024-bit RSA key', { ...smart, EPD_PRIVATE_KEY: smallRsaPem, EPD_JWT_ALG: 'RS512' }, /at least 2048 bits/],
    ['HS256', { ...smart, EPD_PRIVATE_KEY: rsaPem, EPD_JWT_ALG: 'HS256' }, /^EPD_JWT_ALG/],
    ['no scope', { ...smart, EPD_PRIVATE_KEY: rsaPem, EPD_SCOPE: '' }, /^EPD_SCOPE: required/],
    ['a kid with a space', { ...smart, EPD_PRIVATE_KEY: rsaPem, EPD_KEY_ID: 'with space' }, /^EPD_KEY_ID/],
    [
      'the placeholder token of .env.example',
      { INTAKE_HIX_TOKEN: 'change-me-to-a-long-random-token' },
      /^INTAKE_HIX_TOKEN: still a placeholder; set a random value/,
    ],
    ['a zero signature window', { SIGNATURE_MAX_AGE_SECONDS: '0' }, /^SIGNATURE_MAX_AGE_SECONDS/],
    ['no intake source', { INTAKE_SOURCES: ' , ' }, /^INTAKE_SOURCES: name at least one source/],
  ])('refuses %s', (_name, env, expected) => {
    const problems = problemsOf({ ...valid, ...env });
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(expected)]));
    expect(problems.join('\n')).not.toContain('PRIVATE KEY-----'); // a problem never quotes the key
  });
});

describe('loadConfig: plain words, all at once', () => {
  it('lists a short secret and a missing client secret together, in words without schema jargon', () => {
    const problems = problemsOf({
      ...valid,
      PSEUDONYM_SECRET: 'short',
      EPD_AUTH: 'client-credentials',
      EPD_TOKEN_URL: 'https://epd.example/token',
      EPD_CLIENT_ID: 'sdm-bridge',
      POLL_INTERVAL_MS: 'often',
      LOG_LEVEL: 'loud',
    });
    expect(problems).toEqual([
      'LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent',
      'POLL_INTERVAL_MS: must be a whole number of at least 1000',
      'EPD_CLIENT_SECRET: required when EPD_AUTH=client-credentials',
      'PSEUDONYM_SECRET: must be at least 16 characters; set a random value (openssl rand -hex 32)',
    ]);
  });

  it.each([
    [
      { EPD_BASE_URL: '' },
      "EPD_BASE_URL: required: the base URL of the EPD's FHIR API, e.g. https://epd.example.org/fhir",
    ],
    [{ PSEUDONYM_SECRET: undefined }, 'PSEUDONYM_SECRET: required, but not set (see .env.example)'],
    [{ PORT: 'eighty' }, 'PORT: must be a port number from 0 to 65535'],
    [{ PORT: '' }, 'PORT: empty; set the port of the API, e.g. PORT=8080'],
    [
      { PORT: '9464', METRICS_PORT: '9464' },
      'METRICS_PORT: the same port as PORT (9464); give the operations listener its own, e.g. METRICS_PORT=9464',
    ],
    [
      { PSEUDONYM_SECRET: 'change-me-to-a-long-random-secret' },
      'PSEUDONYM_SECRET: still a placeholder; set a random value (openssl rand -hex 32)',
    ],
    [
      { ADMIN_TOKEN: '<admin-token-here>' },
      'ADMIN_TOKEN: still a placeholder; set a random value (openssl rand -hex 32)',
    ],
    [{ EPD_AUTH: 'bearer', EPD_TOKEN: 'change-me' }, 'EPD_TOKEN: still a placeholder; set the credential the EPD gave'],
    [
      { KPI_REPORT_CRON: 'monthly' },
      'KPI_REPORT_CRON: must be a cron pattern of 5 or 6 fields, e.g. 0 3 1 * *, or off',
    ],
  ])('says %j as one plain problem', (extra, expected) => {
    const problems = problemsOf({ ...valid, ...extra } as Record<string, string>);
    expect(problems).toEqual([expected]);
    expect(problems.join('\n')).not.toMatch(/expected|received|Invalid|NaN/);
  });

  it('takes an empty value as unset: defaults, no auth settings needed when EPD_AUTH is none', () => {
    const config = loadConfig({
      ...valid,
      EPD_AUTH: '',
      EPD_TOKEN_URL: '',
      EPD_KEY_ID: '',
      METRICS_PORT: '',
      KPI_REPORT_CRON: '',
      SDM_ROLE: 'worker',
      PORT: '',
    });
    expect(config.epd.auth).toEqual({ type: 'none' });
    expect(config.metrics).toBeUndefined();
    expect(config.kpi.reportCron).toBe('0 3 1 * *');
    expect(loadConfig({ ...valid, KPI_REPORT_CRON: 'off' }).kpi.reportCron).toBeUndefined();
  });
});
