import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestPki, type TestPki } from '../../test/helpers/test-pki.js';
import { ConfigError, loadConfig } from './load-config.js';

const valid = {
  EPD_BASE_URL: 'https://epd.hospital.example/fhir',
  INTAKE_SOURCES: 'hix',
  INTAKE_HIX_TOKEN: 'a-token-of-enough-length',
  PSEUDONYM_SECRET: 'a-secret-of-enough-length',
};

let pki: TestPki;
let dir: string;
/** Writes `text` to a file in the test's directory and returns its path. */
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

beforeAll(() => {
  pki = createTestPki();
  dir = mkdtempSync(join(tmpdir(), 'sdm-epd-tls-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig({ ...valid, ...env });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('loadConfig: the EPD transport', () => {
  it('has a 16 MiB answer cap, no extra bases and no TLS files by default', () => {
    const { epd } = loadConfig(valid);
    expect(epd.maxResponseBytes).toBe(16 * 1024 * 1024);
    expect(epd.trustedBaseUrls).toEqual([]);
    expect(epd.tls).toBeUndefined();
  });

  it('reads the CA bundle and the client certificate and key at start', () => {
    const { epd } = loadConfig({
      ...valid,
      EPD_CA_FILE: file('ca.pem', pki.ca.cert),
      EPD_CLIENT_CERT_FILE: file('client.crt', pki.client.cert),
      EPD_CLIENT_KEY_FILE: file('client.key', pki.client.key),
      EPD_MAX_RESPONSE_BYTES: '1048576',
      EPD_TRUSTED_BASE_URLS: 'http://fhir-internal:8103/fhir/R4/, https://epd-dmz.hospital.example/fhir',
    });
    expect(epd.tls).toEqual({ ca: pki.ca.cert, cert: pki.client.cert, key: pki.client.key });
    expect(epd.maxResponseBytes).toBe(1_048_576);
    expect(epd.trustedBaseUrls).toEqual(['http://fhir-internal:8103/fhir/R4', 'https://epd-dmz.hospital.example/fhir']);
  });

  it('treats empty settings as unset', () => {
    const { epd } = loadConfig({ ...valid, EPD_CA_FILE: '', EPD_CLIENT_CERT_FILE: '', EPD_CLIENT_KEY_FILE: '' });
    expect(epd.tls).toBeUndefined();
  });

  it.each([
    ['a missing file', () => ({ EPD_CA_FILE: join(dir, 'nope.pem') }), 'EPD_CA_FILE: cannot be read (ENOENT)'],
    [
      'a CA file that is not a certificate',
      () => ({ EPD_CA_FILE: file('key-as-ca.pem', pki.ca.key) }),
      'EPD_CA_FILE: not a PEM certificate (-----BEGIN CERTIFICATE-----)',
    ],
    [
      'a certificate without its key',
      () => ({ EPD_CLIENT_CERT_FILE: file('only.crt', pki.client.cert) }),
      'EPD_CLIENT_CERT_FILE and EPD_CLIENT_KEY_FILE: mutual TLS needs both, or neither',
    ],
    [
      'a key that is not a key',
      () => ({ EPD_CLIENT_CERT_FILE: file('c.crt', pki.client.cert), EPD_CLIENT_KEY_FILE: file('k.key', 'secret') }),
      'EPD_CLIENT_KEY_FILE: not an unencrypted PEM private key',
    ],
    [
      "another certificate's key",
      () => ({
        EPD_CLIENT_CERT_FILE: file('c2.crt', pki.client.cert),
        EPD_CLIENT_KEY_FILE: file('server.key', pki.server.key),
      }),
      'EPD_CLIENT_KEY_FILE: does not belong to the certificate in EPD_CLIENT_CERT_FILE',
    ],
    [
      'a trusted base with a query',
      () => ({ EPD_TRUSTED_BASE_URLS: 'http://fhir-internal:8103/fhir?x=1' }),
      'EPD_TRUSTED_BASE_URLS: "http://fhir-internal:8103/fhir?x=1" is not an http(s) base URL without query',
    ],
    ['a cap too small for any answer', () => ({ EPD_MAX_RESPONSE_BYTES: '1000' }), 'EPD_MAX_RESPONSE_BYTES: '],
  ])('stops the start on %s, with the setting named', (_case, env, problem) => {
    const problems = problemsOf(env());
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(problem);
  });

  it('never quotes the key file in a problem', () => {
    const problems = problemsOf({
      EPD_CLIENT_CERT_FILE: file('c3.crt', pki.client.cert),
      EPD_CLIENT_KEY_FILE: file('broken.key', pki.client.key.replace(/[A-Za-z]{8}/, 'XXXXXXXX')),
    });
    expect(problems).toEqual(['EPD_CLIENT_KEY_FILE: not an unencrypted PEM private key']);
  });
});
