import { Redis } from 'ioredis';
import { luaCommand } from './lua-command.js';
import { TEST_REDIS_URL } from '../../test/helpers/redis.js';

const INCR_BY_ARG = `return redis.call('INCRBY', KEYS[1], ARGV[1])`;

describe('luaCommand: a script sent by its SHA', () => {
  let redis: Redis;
  const key = `sdm-test:lua-command:${process.pid}`;

  beforeAll(() => {
    redis = new Redis(TEST_REDIS_URL);
  });
  afterAll(async () => {
    await redis.del(key);
    redis.disconnect();
  });

  it('runs the script with its keys and arguments', async () => {
    const incrBy = luaCommand(redis, 'sdmTestIncrBy', 1, INCR_BY_ARG);
    await redis.del(key);
    expect(await incrBy(key, '5')).toBe(5);
    expect(await incrBy(key, '2')).toBe(7);
  });

  it('sends the script text only when Redis does not know it (EVALSHA, then EVAL after a flush)', async () => {
    const incrBy = luaCommand(redis, 'sdmTestIncrBy', 1, INCR_BY_ARG);
    await incrBy(key, '1'); // known to Redis now
    const seen: string[] = [];
    const monitor = await redis.monitor();
    try {
      // Only this test's calls: Redis is shared with whatever else runs.
      monitor.on('monitor', (_time: string, args: string[]) => {
        if (args.includes(key)) seen.push(String(args[0]).toLowerCase());
      });
      await incrBy(key, '1');
      await redis.script('FLUSH'); // as after a Redis restart
      await incrBy(key, '1');
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      monitor.disconnect();
    }
    expect(seen.filter((c) => c === 'evalsha' || c === 'eval')).toEqual(['evalsha', 'evalsha', 'eval']);
  });

  it('keeps the first definition when a name is defined again on the same connection', async () => {
    const first = luaCommand(redis, 'sdmTestTwice', 1, `return 'first'`);
    const second = luaCommand(redis, 'sdmTestTwice', 1, `return 'second'`);
    expect(await first(key)).toBe('first');
    expect(await second(key)).toBe('first');
  });
});
