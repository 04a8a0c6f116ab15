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
    expect(config.sources).toEqual([{ id: 'hix', auth: { type: 'bearer', token: 'a-token-of-enough-length' } }]);
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
    expect(config.sources[1]).toEqual({ id: 'integration-engine', auth: { type: 'hmac', secret: 'another-secret-long-enough' } });
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
