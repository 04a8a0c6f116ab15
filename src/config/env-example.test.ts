import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseDockerEnvFile } from '../../test/helpers/docker-env-file.js';
import { isPlaceholder } from '../shared/check-secret.js';
import { ConfigError, loadConfig } from './load-config.js';

// The shipped .env.example itself, read as `cp .env.example .env` and then Docker or a shell would.
const ENV_EXAMPLE = new URL('../../.env.example', import.meta.url);
const text = readFileSync(ENV_EXAMPLE, 'utf8');

/** What `set -a; . ./.env` exports, for the names the file sets. */
function readWithShell(names: Iterable<string>): Map<string, string> {
  const shell = spawnSync('bash', ['-c', 'set -a; . "$1"; env -0', 'bash', ENV_EXAMPLE.pathname], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'], // stdin from a socket makes bash read ~/.bashrc
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
  });
  expect(shell.stderr).toBe('');
  expect(shell.status).toBe(0);
  const exported = new Map(
    shell.stdout
      .split('\0')
      .filter(Boolean)
      .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)] as const),
  );
  return new Map([...names].flatMap((name) => (exported.has(name) ? [[name, exported.get(name) ?? '']] : [])));
}

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

describe('.env.example', () => {
  const docker = parseDockerEnvFile(text);
  const placeholders = [...docker].filter(([, value]) => isPlaceholder(value)).map(([name]) => name);
  /** The file with its change-me values filled in, as its first lines ask. */
  const filledIn = (values: Map<string, string>) =>
    Object.fromEntries(
      [...values].map(([name, value]) => [name, isPlaceholder(value) ? randomBytes(32).toString('hex') : value]),
    );

  it('reads the same with Docker --env-file rules and with set -a; . ./.env', () => {
    expect(docker.size).toBeGreaterThan(50);
    expect(Object.fromEntries(readWithShell(docker.keys()))).toEqual(Object.fromEntries(docker));
  });

  it('is refused as copied only for its change-me secrets, each named with the fix', () => {
    expect(placeholders).toEqual(expect.arrayContaining(['INTAKE_HIX_TOKEN', 'PSEUDONYM_SECRET']));
    const configSecrets = placeholders.filter((name) => !/^(ASTMA|POSITIEVE)_/.test(name)); // those two are the mapping files'
    expect(problemsOf(Object.fromEntries(docker))).toEqual(
      configSecrets.map((name) => `${name}: still a placeholder; set a random value (openssl rand -hex 32)`),
    );
  });

  it('starts with the secrets filled in, read either way, with EPD auth off and the defaults of its empty settings', () => {
    for (const values of [docker, readWithShell(docker.keys())]) {
      const config = loadConfig(filledIn(values));
      expect(config.epd.auth).toEqual({ type: 'none' });
      expect(config.port).toBe(8080);
      expect(config.metrics).toEqual({ port: 9464, host: '0.0.0.0' });
      expect(config.kpi.reportCron).toBe('0 3 1 * *');
      expect(config.sources).toEqual([expect.objectContaining({ id: 'hix', mode: 'both' })]);
    }
  });
});

describe('parseDockerEnvFile', () => {
  it.each([
    ['a value as written: quotes, spaces and # kept', 'A="x y" # z', { A: '"x y" # z' }],
    ['comments and blank lines skipped, leading space dropped', '# c\n\n   B=1\n  # d', { B: '1' }],
    ['an empty value kept as empty', 'C=', { C: '' }],
    ['a bare name passes the caller value, or nothing', 'HOME_X\nNOPE', { HOME_X: 'from-caller' }],
    ['a BOM and CRLF line ends', '\uFEFFD=1\r\nE=2', { D: '1', E: '2' }],
  ])('%s', (_name, input, expected) => {
    expect(Object.fromEntries(parseDockerEnvFile(input, { HOME_X: 'from-caller' }))).toEqual(expected);
  });

  it('refuses a name with a space, as docker run does', () => {
    expect(() => parseDockerEnvFile('BAD KEY=1')).toThrow("variable 'BAD KEY' contains whitespaces");
  });
});
