import { randomUUID } from 'node:crypto';
import { Cluster } from 'ioredis';
import { loadConfig, type Config } from '../config/load-config.js';
import { createRedisConnection } from '../queue/redis-connection.js';
import type { RedisTarget } from '../queue/redis-target.js';
import { createLogger, type Logger } from '../shared/logger.js';
import { startService, type RunningService, type ServiceOverrides } from '../start-service.js';
import { startDecisionAidStandIn } from './decision-aid-stand-in.js';
import { startFhirSandbox, type FhirSandbox, type StrictSandboxOptions } from './fhir-server.js';
import { seedSandbox, type SeedIds } from './seed-patients.js';

/** The bearer token the embedded stack's EPD source uses (loopback only). */
export const EMBEDDED_INTAKE_TOKEN = 'embedded-hix-token-not-for-production';

/** The whole service on embedded parts: sandbox FHIR server, decision-aid stand-in, real Redis. */
export interface EmbeddedStack {
  config: Config;
  service: RunningService;
  fhir: FhirSandbox;
  aid: Awaited<ReturnType<typeof startDecisionAidStandIn>>;
  seed: SeedIds;
  /** Environment the mapping files were loaded with. */
  env: Record<string, string | undefined>;
  close(): Promise<void>;
}

/**
 * Starts the embedded stack used by `npm run demo` and the end-to-end tests. Each stack gets its
 * own queue prefix so runs never see each other's jobs, and removes its keys when closed.
 */
export async function startEmbeddedStack(
  options: {
    log?: Logger;
    /** Settings over the embedded defaults; nothing is read from process.env (the demo passes it here). */
    env?: Record<string, string | undefined>;
    overrides?: ServiceOverrides;
    /** Where the service reaches the sandbox EPD, given its base URL: e.g. through a fault-injecting proxy. */
    epdBaseUrl?: (sandboxBaseUrl: string) => string | Promise<string>;
    /** Run the EPD sandbox in strict mode (serialization 409s, per-entry transaction answers, …). */
    strict?: StrictSandboxOptions | boolean;
  } = {},
): Promise<EmbeddedStack> {
  const fhir = await startFhirSandbox({ strict: options.strict ?? false });
  const seed = await seedSandbox(fhir.repo);
  const aid = await startDecisionAidStandIn({ token: 'embedded-aid-token-0123456789' });
  const env: Record<string, string | undefined> = {
    EPD_BASE_URL: options.epdBaseUrl ? await options.epdBaseUrl(fhir.baseUrl) : fhir.baseUrl,
    INTAKE_SOURCES: 'hix',
    INTAKE_HIX_TOKEN: EMBEDDED_INTAKE_TOKEN,
    PSEUDONYM_SECRET: 'embedded-pseudonym-secret-0123456789',
    HOST: '127.0.0.1',
    PORT: '0',
    QUEUE_PREFIX: `sdm-embedded-${randomUUID().slice(0, 8)}`,
    RETRY_BACKOFF_MS: '200', // the embedded parts recover at once; keep retries quick
    ASTMA_KEUZEHULP_URL: `${aid.baseUrl}/api/invitations`,
    ASTMA_KEUZEHULP_TOKEN: 'embedded-aid-token-0123456789',
    POSITIEVE_GEZONDHEID_URL: `${aid.baseUrl}/start/positieve-gezondheid`,
    POSITIEVE_GEZONDHEID_LINK_SECRET: 'embedded-link-secret-0123456789abcdef0123456789',
    MEDICATION_REFLECTION_DELAY: 'PT1S',
    ...options.env,
  };
  const config = loadConfig(env);
  const log = options.log ?? createLogger({ level: 'silent' });
  const service = await startService(config, log, { env, ...options.overrides });
  return {
    config,
    service,
    fhir,
    aid,
    seed,
    env,
    async close() {
      await service.queues.events.obliterate({ force: true }).catch(() => undefined);
      await service.queues.invitations.obliterate({ force: true }).catch(() => undefined);
      await service.close();
      await removeKeys(config.redis, config.queuePrefix); // poll cursors, gap state, schedulers, throttles
      await Promise.all([fhir.close(), aid.close()]);
    },
  };
}

/**
 * Deletes every key under the stack's own prefix (unique per stack, so nothing else is touched); on
 * a cluster each master is scanned, as SCAN only walks the node it is sent to.
 */
async function removeKeys(target: RedisTarget, prefix: string): Promise<void> {
  const redis = createRedisConnection(target, 'worker');
  redis.on('error', () => undefined); // reported by the catch below, if at all
  try {
    const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
    for (const node of nodes) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', `${escapeGlob(prefix)}:*`, 'COUNT', 500);
        if (keys.length) await node.del(...keys); // on a cluster the prefix's hash tag puts them in one slot
        cursor = next;
      } while (cursor !== '0');
    }
  } catch {
    // Cleanup is best effort: a Redis that went away has nothing left to clean.
  } finally {
    redis.disconnect();
  }
}

/** A prefix such as `{sdm-x}` as a literal SCAN pattern (braces and brackets are glob syntax). */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\{}]/g, (c) => `\\${c}`);
}
