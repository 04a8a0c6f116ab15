import { checkStartup, StartupError } from './config/check-startup.js';
import { assertRedisAnswers } from './queue/redis-connection.js';
import { createLogger } from './shared/logger.js';
import { startService } from './start-service.js';

/** Process entry: `node dist/main.js [api|worker]` (or SDM_ROLE); both when neither is given. */
async function main(): Promise<void> {
  const roleArg = process.argv[2];
  const env = roleArg ? { ...process.env, SDM_ROLE: roleArg } : process.env;
  let checked;
  try {
    checked = await checkStartup(env); // the same check as `sdm-bridge mappings check`
  } catch (err) {
    if (err instanceof StartupError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const log = createLogger({ level: checked.config.logLevel, pretty: checked.config.logPretty });
  await assertRedisAnswers(checked.config.redis);
  const { config, mappings, questionnaires, live } = checked;
  const service = await startService(config, log, { mappings, questionnaires, live });
  log.info({ role: config.role }, 'sdm-bridge started');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal, graceMs: config.shutdownGraceMs }, 'stopping');
    const timer = setTimeout(() => {
      log.error('shutdown took too long; exiting');
      process.exit(1);
    }, config.shutdownGraceMs); // SHUTDOWN_GRACE_MS: in-flight requests and jobs get this long
    timer.unref();
    await service.close();
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`sdm-bridge failed to start: ${(err as Error).message}\n`);
  process.exit(1);
});
