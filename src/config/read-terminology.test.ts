import { readTerminology } from './read-terminology.js';

describe('readTerminology (TERMINOLOGY_*)', () => {
  it('is off without a server', () => {
    const problems: string[] = [];
    expect(readTerminology({}, problems)).toBeUndefined();
    expect(problems).toEqual([]);
  });

  it('reads every setting, with the defaults for the ones left empty', () => {
    const problems: string[] = [];
    expect(
      readTerminology({ TERMINOLOGY_SERVER_URL: 'https://tx.example.org/fhir/', TERMINOLOGY_TOKEN: '' }, problems),
    ).toEqual({
      baseUrl: 'https://tx.example.org/fhir',
      timeoutMs: 30_000,
      refreshMs: 24 * 3_600_000,
      maxCodes: 50_000,
      cacheDir: 'terminology-cache',
    });
    expect(
      readTerminology(
        {
          TERMINOLOGY_SERVER_URL: 'http://127.0.0.1:8180/fhir',
          TERMINOLOGY_TOKEN: 'tx-token-0123456789',
          TERMINOLOGY_TIMEOUT_MS: '5000',
          TERMINOLOGY_REFRESH: 'PT6H',
          TERMINOLOGY_MAX_CODES: '2000',
          TERMINOLOGY_CACHE_DIR: '/var/lib/sdm-bridge/terminology',
        },
        problems,
      ),
    ).toEqual({
      baseUrl: 'http://127.0.0.1:8180/fhir',
      auth: { type: 'bearer', token: 'tx-token-0123456789' },
      timeoutMs: 5_000,
      refreshMs: 6 * 3_600_000,
      maxCodes: 2_000,
      cacheDir: '/var/lib/sdm-bridge/terminology',
    });
    expect(problems).toEqual([]);
  });

  const SERVER = { TERMINOLOGY_SERVER_URL: 'https://tx.example.org/fhir' };
  const TOKEN_URL = 'https://tx.example.org/auth/realms/terminology/protocol/openid-connect/token';

  it('reads a token endpoint with client credentials, or with an account (the password grant)', () => {
    const problems: string[] = [];
    const client = { TERMINOLOGY_TOKEN_URL: TOKEN_URL, TERMINOLOGY_CLIENT_ID: 'sdm-bridge' };
    expect(
      readTerminology(
        { ...SERVER, ...client, TERMINOLOGY_CLIENT_SECRET: 'a-secret-of-the-client', TERMINOLOGY_SCOPE: 'tx' },
        problems,
      )?.auth,
    ).toEqual({
      type: 'client-credentials',
      tokenUrl: TOKEN_URL,
      clientId: 'sdm-bridge',
      clientSecret: 'a-secret-of-the-client',
      scope: 'tx',
    });
    expect(
      readTerminology(
        { ...SERVER, ...client, TERMINOLOGY_USERNAME: 'ziekenhuis-it', TERMINOLOGY_PASSWORD: 'a-long-password' },
        problems,
      )?.auth,
    ).toEqual({
      type: 'password',
      tokenUrl: TOKEN_URL,
      clientId: 'sdm-bridge',
      username: 'ziekenhuis-it',
      password: 'a-long-password',
    });
    expect(problems).toEqual([]);
  });

  it.each([
    [
      { ...SERVER, TERMINOLOGY_TOKEN: 'tx-token-0123456789', TERMINOLOGY_TOKEN_URL: TOKEN_URL },
      'set one, a fixed token or a token endpoint',
    ],
    [{ ...SERVER, TERMINOLOGY_CLIENT_ID: 'sdm-bridge' }, 'TERMINOLOGY_TOKEN_URL: required'],
    [
      { ...SERVER, TERMINOLOGY_TOKEN_URL: 'tx.example.org/token', TERMINOLOGY_CLIENT_ID: 'x' },
      'TERMINOLOGY_TOKEN_URL: must be an http(s) URL',
    ],
    [
      { ...SERVER, TERMINOLOGY_TOKEN_URL: TOKEN_URL, TERMINOLOGY_CLIENT_SECRET: 'a-secret-of-the-client' },
      'TERMINOLOGY_CLIENT_ID: required',
    ],
    [
      { ...SERVER, TERMINOLOGY_TOKEN_URL: TOKEN_URL, TERMINOLOGY_CLIENT_ID: 'x' },
      'TERMINOLOGY_CLIENT_SECRET: required for client credentials',
    ],
    [
      { ...SERVER, TERMINOLOGY_TOKEN_URL: TOKEN_URL, TERMINOLOGY_CLIENT_ID: 'x', TERMINOLOGY_USERNAME: 'it' },
      'set both (the password grant) or neither',
    ],
    [
      {
        ...SERVER,
        TERMINOLOGY_TOKEN_URL: TOKEN_URL,
        TERMINOLOGY_CLIENT_ID: 'x',
        TERMINOLOGY_CLIENT_SECRET: 'change-me',
      },
      'TERMINOLOGY_CLIENT_SECRET: still a placeholder',
    ],
  ])('refuses the login %p', (env, problem) => {
    const problems: string[] = [];
    readTerminology(env, problems);
    expect(problems).toEqual([expect.stringContaining(problem)]);
  });

  it.each([
    [{ TERMINOLOGY_SERVER_URL: 'tx.example.org' }, 'TERMINOLOGY_SERVER_URL: must be an http(s) URL'],
    [{ TERMINOLOGY_REFRESH: 'PT30S' }, 'TERMINOLOGY_REFRESH: must be an ISO 8601 duration of at least a minute'],
    [{ TERMINOLOGY_REFRESH: '24h' }, 'TERMINOLOGY_REFRESH: must be an ISO 8601 duration'],
    [{ TERMINOLOGY_MAX_CODES: '0' }, 'TERMINOLOGY_MAX_CODES: must be a whole number of at least 1'],
    [{ TERMINOLOGY_TIMEOUT_MS: '1.5' }, 'TERMINOLOGY_TIMEOUT_MS: must be a whole number of at least 100'],
    [
      { TERMINOLOGY_SERVER_URL: 'https://tx.example.org/fhir', TERMINOLOGY_TOKEN: 'change-me' },
      'TERMINOLOGY_TOKEN: still a placeholder',
    ],
  ])('refuses %p', (env, problem) => {
    const problems: string[] = [];
    readTerminology(env, problems);
    expect(problems).toEqual([expect.stringContaining(problem)]);
  });
});
