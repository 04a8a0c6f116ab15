import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTerminologyServer, type TestTerminologyServer } from '../../test/helpers/terminology-server.js';
import { checkStartup, StartupError } from './check-startup.js';

const VS = 'https://terminology.example.org/fhir/ValueSet/astma-aandoeningen';
const MAPPING = [
  'decisionAids:',
  '  - id: astma-kind',
  '    title: Keuzehulp astma',
  '    activityDefinition: https://keuzehulp.example.org/fhir/ActivityDefinition/astma-kind|2.1',
  '    delivery: { type: signed-link, baseUrl: "http://127.0.0.1:4010/start", secretEnv: LINK_SECRET }',
  'triggers:',
  '  - id: evaluatie',
  '    keyMoment: evaluation',
  '    resourceType: Encounter',
  '    decisionAid: astma-kind',
  '    recipients: [guardian]',
  '    codes:',
  `      - valueSet: ${VS}`,
].join('\n');

describe('the start-up check with a value set from a terminology server', () => {
  let dir: string;
  let server: TestTerminologyServer;
  let env: Record<string, string>;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'startup-terminology-'));
    await writeFile(join(dir, 'astma.yaml'), MAPPING);
    server = await startTerminologyServer();
    server.setValueSet(VS, [{ system: 'http://snomed.info/sct', code: '195967001' }]);
    env = {
      EPD_BASE_URL: 'http://127.0.0.1:8103/fhir',
      INTAKE_SOURCES: 'hix',
      INTAKE_HIX_TOKEN: 'a-token-of-enough-length',
      PSEUDONYM_SECRET: 'a-secret-of-enough-length',
      LINK_SECRET: 'k'.repeat(32),
      MAPPINGS_DIR: dir,
      TERMINOLOGY_SERVER_URL: server.baseUrl,
      TERMINOLOGY_CACHE_DIR: join(dir, 'cache'),
    };
  });
  afterEach(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses to start when the server is down and nothing is cached, naming the value set at its line', async () => {
    server.mode = 'down';
    const failure = await checkStartup(env).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(StartupError);
    expect((failure as StartupError).problems).toEqual([
      expect.stringMatching(
        new RegExp(
          `^${join(dir, 'astma.yaml')}:13 triggers\\[0\\]\\.codes\\[0\\]\\.valueSet: value set ${VS}: terminology server not reachable \\(.+\\), ` +
            'and no earlier expansion is cached \\(TERMINOLOGY_CACHE_DIR\\): the trigger would match nothing$',
        ),
      ),
    ]);
  });

  it('starts on the last good expansion after a restart while the server is down', async () => {
    const first = await checkStartup(env);
    expect(first.live.valueSets).toEqual([expect.objectContaining({ name: VS, codes: 1, from: 'server' })]);
    server.mode = 'down';
    const second = await checkStartup(env);
    expect(second.live.valueSets).toEqual([expect.objectContaining({ name: VS, codes: 1, from: 'cache' })]);
    expect(second.mappings.triggers[0]!.codes).toEqual([
      expect.objectContaining({ system: 'http://snomed.info/sct', code: '195967001', valueSet: VS }),
    ]);
  });

  it('logs in at the token endpoint set in TERMINOLOGY_* and names a refused login at the value set', async () => {
    const login = await startTerminologyServer({
      login: { clientId: 'sdm-bridge', clientSecret: 'the-client-secret' },
    });
    login.setValueSet(VS, [{ system: 'http://snomed.info/sct', code: '195967001' }]);
    const withLogin = {
      ...env,
      TERMINOLOGY_SERVER_URL: login.baseUrl,
      TERMINOLOGY_TOKEN_URL: login.tokenUrl,
      TERMINOLOGY_CLIENT_ID: 'sdm-bridge',
      TERMINOLOGY_CLIENT_SECRET: 'the-client-secret',
    };
    try {
      const started = await checkStartup(withLogin);
      expect(started.live.valueSets).toEqual([expect.objectContaining({ name: VS, codes: 1, from: 'server' })]);
      expect(login.requests.map((r) => r.authorization)).toEqual(['Bearer tok-1']);
      const refused = await checkStartup({
        ...withLogin,
        TERMINOLOGY_CLIENT_SECRET: 'not-the-secret',
        TERMINOLOGY_CACHE_DIR: join(dir, 'empty'),
      }).catch((err: unknown) => err);
      expect((refused as StartupError).problems).toEqual([
        expect.stringContaining(
          `value set ${VS}: terminology server token request failed with HTTP 401: invalid_client`,
        ),
      ]);
      expect(JSON.stringify((refused as StartupError).problems)).not.toContain('not-the-secret');
    } finally {
      await login.close();
    }
  });
});
