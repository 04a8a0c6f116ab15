import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { loadConfig, type Config } from '../config/load-config.js';
import { createLogger, type Logger } from '../shared/logger.js';
import { startService, type RunningService, type ServiceOverrides } from '../start-service.js';
import { startDecisionAidStandIn } from './decision-aid-stand-in.js';
import { startFhirSandbox, type FhirSandbox } from './fhir-server.js';
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
  } = {},
): Promise<EmbeddedStack> {
  const fhir = await startFhirSandbox();
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
      await removeKeys(config.redisUrl, config.queuePrefix); // poll cursors, gap state, schedulers, throttles
      await Promise.all([fhir.close(), aid.close()]);
    },
  };
}

/** Deletes every key under the stack's own prefix (unique per stack, so nothing else is touched). */
async function removeKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } catch {
    // Cleanup is best effort: a Redis that went away has nothing left to clean.
  } finally {
    redis.disconnect();
  }
}
