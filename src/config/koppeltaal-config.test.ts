import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkMappings } from '../cli/mappings-check.js';
import { BSN_SYSTEM } from '../koppeltaal/koppeltaal-settings.js';
import { ConfigError, loadConfig } from './load-config.js';

const BASE = {
  EPD_BASE_URL: 'http://127.0.0.1:8103/fhir',
  EPD_AUTH: 'bearer',
  EPD_TOKEN: 'the-epd-token-of-this-test',
  INTAKE_SOURCES: 'hix',
  INTAKE_HIX_TOKEN: 'a-token-of-enough-length',
  PSEUDONYM_SECRET: 'a-secret-of-enough-length',
  LINK_SECRET: 'k'.repeat(32),
};
const rsaPem = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();
const KOPPELTAAL = {
  KOPPELTAAL_BASE_URL: 'https://fhir.koppeltaal.example/fhir/r4/',
  KOPPELTAAL_TOKEN_URL: 'https://auth.koppeltaal.example/oauth2/token',
  KOPPELTAAL_CLIENT_ID: 'sdm-bridge-kt2',
  KOPPELTAAL_SCOPE: 'system/Task.cru system/Patient.cr system/AuditEvent.c',
  KOPPELTAAL_PRIVATE_KEY: rsaPem,
  KOPPELTAAL_DEVICE_ID: 'dev-sdm-bridge',
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

describe('loadConfig: the Koppeltaal store', () => {
  it('is off without KOPPELTAAL_BASE_URL', () => {
    expect(loadConfig(BASE).koppeltaal).toBeUndefined();
  });

  it('reads its own SMART Backend Services client, separate from the EPD’s auth', () => {
    const config = loadConfig({ ...BASE, ...KOPPELTAAL });
    expect(config.koppeltaal).toMatchObject({
      baseUrl: 'https://fhir.koppeltaal.example/fhir/r4',
      deviceId: 'dev-sdm-bridge',
      patientIdentifierSystem: BSN_SYSTEM,
      auth: { type: 'smart-backend', clientId: 'sdm-bridge-kt2', alg: 'RS384', privateKeyPem: rsaPem },
    });
    expect(config.epd.auth).toEqual({ type: 'bearer', token: 'the-epd-token-of-this-test' });
  });

  it.each<[string, Record<string, string>, RegExp]>([
    ['no device', { KOPPELTAAL_DEVICE_ID: '' }, /^KOPPELTAAL_DEVICE_ID: required when KOPPELTAAL_BASE_URL is set/],
    ['no token URL', { KOPPELTAAL_TOKEN_URL: '' }, /^KOPPELTAAL_TOKEN_URL: required when KOPPELTAAL_BASE_URL is set/],
    ['no key', { KOPPELTAAL_PRIVATE_KEY: '' }, /^KOPPELTAAL_PRIVATE_KEY or KOPPELTAAL_PRIVATE_KEY_FILE: required/],
    ['a key that is no PEM', { KOPPELTAAL_PRIVATE_KEY: 'not a key' }, /^KOPPELTAAL_PRIVATE_KEY: not a PEM private key/],
    [
      'an RSA key for ES384',
      { KOPPELTAAL_JWT_ALG: 'ES384' },
      /^KOPPELTAAL_PRIVATE_KEY: KOPPELTAAL_JWT_ALG=ES384 needs/,
    ],
    ['a base that is no URL', { KOPPELTAAL_BASE_URL: 'fhir.koppeltaal' }, /^KOPPELTAAL_BASE_URL: must be the http/],
    [
      'settings without a base',
      { KOPPELTAAL_BASE_URL: '' },
      /^KOPPELTAAL_BASE_URL: required when KOPPELTAAL_TOKEN_URL/,
    ],
  ])('refuses %s', (_name, change, problem) => {
    expect(problemsOf({ ...BASE, ...KOPPELTAAL, ...change })).toContainEqual(expect.stringMatching(problem));
  });
});

describe('mappings check: a Koppeltaal aid', () => {
  const aid = (recipients: string) =>
    [
      'decisionAids:',
      '  - id: astma-kt2',
      '    title: Keuzehulp astma',
      '    activityDefinition: https://keuzehulp.example.org/fhir/ActivityDefinition/astma-kind|2.1',
      '    koppeltaal: true',
      '    delivery: { type: signed-link, baseUrl: "http://127.0.0.1:4010/start", secretEnv: LINK_SECRET }',
      'triggers:',
      '  - id: medicatie',
      '    keyMoment: medication-change',
      '    resourceType: MedicationRequest',
      '    decisionAid: astma-kt2',
      `    recipients: ${recipients}`,
    ].join('\n');
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'koppeltaal-check-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('fails without the Koppeltaal settings, naming the aid and what to set', async () => {
    await writeFile(join(dir, 'aids.yaml'), aid('[patient]'));
    const result = await checkMappings(dir, BASE);
    expect(result.ok).toBe(false);
    expect(result.lines.join('\n')).toMatch(
      /aids\.yaml:2: decision aid astma-kt2 has koppeltaal: true, but no Koppeltaal store is configured: set KOPPELTAAL_BASE_URL/,
    );
  });

  it('passes with them', async () => {
    await writeFile(join(dir, 'aids.yaml'), aid('[patient]'));
    expect((await checkMappings(dir, { ...BASE, ...KOPPELTAAL })).ok).toBe(true);
  });

  it('refuses a trigger that may invite a guardian: a KT2Task cannot be owned by a RelatedPerson', async () => {
    await writeFile(join(dir, 'aids.yaml'), aid('[patient, guardian]'));
    const result = await checkMappings(dir, { ...BASE, ...KOPPELTAAL });
    expect(result.ok).toBe(false);
    expect(result.lines.join('\n')).toMatch(/triggers\[0\]\.recipients.*may invite a guardian for Koppeltaal aid/);
  });
});
