import { startLocalRedisSentinel, type LocalRedisSentinel } from '../../src/chaos/local-redis-sentinel.js';
import { startEmbeddedStack, type EmbeddedStack } from '../../src/sandbox/start-stack.js';
import { expectKeyMomentTasks } from '../helpers/key-moment-flow.js';

const START_TIMEOUT_MS = 90_000;
const SETTLE_TIMEOUT_MS = 60_000;

/**
 * The service on a Sentinel-watched Redis (a master and one Sentinel, redis-server processes on
 * ports of their own): it asks the Sentinel where the master is, and the key-moment flow runs on it.
 */
describe('on Redis behind Sentinel', () => {
  let sentinel: LocalRedisSentinel;
  let stack: EmbeddedStack;
  beforeAll(async () => {
    sentinel = await startLocalRedisSentinel();
    stack = await startEmbeddedStack({
      env: {
        REDIS_URL: 'redis://unused-with-sentinels', // only credentials and database are read from it
        REDIS_SENTINELS: sentinel.sentinels,
        REDIS_SENTINEL_NAME: sentinel.name,
      },
    });
  }, START_TIMEOUT_MS);
  afterAll(async () => {
    await stack?.close();
    await sentinel?.close();
  }, START_TIMEOUT_MS);

  it('runs every key moment to its invitation Tasks', async () => {
    expect(stack.config.redis).toMatchObject({ kind: 'sentinel', name: sentinel.name });
    expect(stack.config.queuePrefix).not.toContain('{'); // one master holds every key: no tag needed
    await expectKeyMomentTasks(stack, SETTLE_TIMEOUT_MS);
  });
});
