import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { loadConfig } from '../config/load-config.js';
import type { EpdClient } from '../epd/epd-client.js';
import { EpdError } from '../epd/epd-error.js';
import { createEpdClient } from '../epd/fhir-epd-client.js';
import { QUEUE, type EventJobData, type InvitationJobData } from '../queue/job-types.js';
import { assertRedisAnswers } from '../queue/redis-connection.js';
import { AppError } from '../shared/errors.js';
import { EXIT, UsageError, type CliCommand, type CliInput } from './cli-command.js';
import { formatTrace, traceRequest } from './trace.js';

/** `sdm-bridge trace <request-id>`: the path of one inbound request, from its notification to its Tasks and results. */
export const traceCommand: CliCommand = {
  words: ['trace'],
  usage: '<request-id>',
  summary: 'show what one request led to: event jobs, invitation jobs, Tasks with their results, AuditEvents',
  help: [
    'The request id is in the X-Request-Id header of the answer to the notification and on every log line about it.',
    'Reads the queues (REDIS_URL, QUEUE_PREFIX: jobs still retained) and the EPD (Tasks and AuditEvents tagged with the id).',
    'Exit 0: traced (also when nothing was found); 69: Redis or the EPD does not answer.',
  ],
  options: {},
  run: (input) => runTrace(input),
};

/** The command with its EPD given (tests pass the sandbox's); without one, the EPD of the environment. */
export async function runTrace({ positionals, json, io, env }: CliInput, epdOverride?: EpdClient): Promise<number> {
  const [requestId, extra] = positionals;
  if (!requestId) throw new UsageError('missing <request-id>');
  if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
  const config = loadConfig({ ...env }); // a ConfigError becomes exit 78 with every problem listed
  try {
    await assertRedisAnswers(config.redisUrl);
  } catch (err) {
    io.err((err as Error).message);
    return EXIT.unavailable;
  }
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 1 });
  const events = new Queue<EventJobData>(QUEUE.events, { connection: redis, prefix: config.queuePrefix });
  const invitations = new Queue<InvitationJobData>(QUEUE.invitations, {
    connection: redis,
    prefix: config.queuePrefix,
  });
  try {
    const epd = epdOverride ?? createEpdClient(config.epd);
    const trace = await traceRequest(requestId, { events, invitations, epd });
    if (json) io.out(JSON.stringify(trace, null, 2));
    else for (const line of formatTrace(trace)) io.out(line);
    return EXIT.ok;
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    io.err(`trace: ${err.message}`);
    return err instanceof EpdError && (err.retry || err.status === 0) ? EXIT.unavailable : EXIT.findings;
  } finally {
    await Promise.all([events.close(), invitations.close()]);
    await redis.quit().catch(() => redis.disconnect());
  }
}
