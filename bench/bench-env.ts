import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument, isMap, isSeq } from 'yaml';
import { isPlaceholder } from '../src/shared/check-secret.js';
import { quoteFlowVariables } from '../src/rules/quote-flow-variables.js';

/** Bearer token of the bench's intake source (loopback only). */
export const BENCH_INTAKE_TOKEN = 'bench-hix-token-loopback-only-0123456789';

/**
 * Every setting `.env.example` documents, with its example value. Why start there: the service
 * gains settings while the bench stays the same, and the example file always has a working value
 * for each (its change-me secrets replaced by random ones); the bench then overrides only what it must.
 */
export async function exampleEnv(root: string): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  for (const line of (await readFile(join(root, '.env.example'), 'utf8')).split('\n')) {
    const match = /^([A-Z][A-Z0-9_]*)=(.+)$/.exec(line.trim());
    // An empty value means unset; a change-me secret is replaced, as the file asks before a start.
    if (match) env[match[1]!] = isPlaceholder(match[2]!) ? randomBytes(32).toString('hex') : match[2]!;
  }
  return env;
}

/** What differs between the bench's processes. */
export interface ServiceEnvOptions {
  role: 'api' | 'worker';
  epdBaseUrl: string;
  aidBaseUrl: string;
  mappingsDir: string;
  queuePrefix: string;
  /** Extra settings of this phase (e.g. worker concurrency). */
  extra?: Record<string, string>;
}

/** The environment of one service process: the example settings, pointed at the bench's embedded parts. */
export function serviceEnv(base: Record<string, string>, options: ServiceEnvOptions): Record<string, string> {
  return {
    ...base,
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'production',
    SDM_ROLE: options.role,
    HOST: '127.0.0.1',
    PORT: '0',
    METRICS_HOST: '127.0.0.1',
    METRICS_PORT: '0', // metrics stay on, as in production, on a free port per process
    LOG_LEVEL: 'info', // as in production; the lines go to a file
    LOG_PRETTY: 'false',
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    QUEUE_PREFIX: options.queuePrefix,
    MAPPINGS_DIR: options.mappingsDir,
    EPD_BASE_URL: options.epdBaseUrl,
    EPD_AUTH: 'none',
    AUDIT_BASE_URL: '', // audit events go to the EPD, as by default
    INTAKE_SOURCES: 'hix',
    INTAKE_HIX_TOKEN: BENCH_INTAKE_TOKEN,
    INTAKE_HIX_MODE: 'push', // the EPD pushes; a poller would replay the bench's own data a second time
    ASTMA_KEUZEHULP_URL: `${options.aidBaseUrl}/api/invitations`,
    ASTMA_KEUZEHULP_TOKEN: 'bench-aid-token-0123456789',
    POSITIEVE_GEZONDHEID_URL: `${options.aidBaseUrl}/start/positieve-gezondheid`,
    ...options.extra,
  };
}

/**
 * A copy of the mapping files (and what lies beside them, e.g. questionnaires) without any trigger
 * `delay`. Why: reflection delays of hours would measure the delay, not the service; throttles stay.
 */
export async function delayFreeMappings(mappingsDir: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sdm-bench-mappings-'));
  await cp(mappingsDir, dir, { recursive: true });
  for (const name of (await readdir(dir)).filter((n) => /\.ya?ml$/i.test(n))) {
    // As the service reads them: a `${VAR}` inside a flow list is quoted first, else it is no YAML.
    const doc = parseDocument(quoteFlowVariables(await readFile(join(dir, name), 'utf8')));
    if (doc.errors.length) throw new Error(`${name}: ${doc.errors[0]!.message}`);
    const triggers = doc.get('triggers');
    if (isSeq(triggers)) for (const trigger of triggers.items) if (isMap(trigger)) trigger.delete('delay');
    await writeFile(join(dir, name), doc.toString());
  }
  return dir;
}
