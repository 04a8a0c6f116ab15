import {
  describeRedisTarget,
  queuePrefixFor,
  readRedisTarget,
  type RedisTarget,
  type RedisTargetEnv,
} from './redis-target.js';

function read(env: RedisTargetEnv): { target: RedisTarget; problems: string[] } {
  const problems: string[] = [];
  return { target: readRedisTarget(env, problems), problems };
}

describe('readRedisTarget', () => {
  it.each<[string, RedisTargetEnv, RedisTarget]>([
    ['nothing set: the local default', {}, { kind: 'single', url: 'redis://127.0.0.1:6379' }],
    ['a single node', { REDIS_URL: 'rediss://:pw@redis:6380/2' }, { kind: 'single', url: 'rediss://:pw@redis:6380/2' }],
    [
      'a cluster by its nodes, credentials and TLS from REDIS_URL',
      { REDIS_URL: 'rediss://app:s3cret@ignored:1', REDIS_CLUSTER_NODES: 'r1:7000, r2:7001,r3' },
      {
        kind: 'cluster',
        nodes: [
          { host: 'r1', port: 7000 },
          { host: 'r2', port: 7001 },
          { host: 'r3', port: 6379 },
        ],
        username: 'app',
        password: 's3cret',
        tls: true,
      },
    ],
    [
      'a cluster URL',
      { REDIS_URL: 'redis+cluster://:p%40ss@10.0.0.1:7000,[::1]:7001/' },
      {
        kind: 'cluster',
        nodes: [
          { host: '10.0.0.1', port: 7000 },
          { host: '::1', port: 7001 },
        ],
        password: 'p@ss',
        tls: false,
      },
    ],
    [
      'Sentinels watching a named master',
      {
        REDIS_URL: 'redis://:master-pw@unused/3',
        REDIS_SENTINELS: 's1,s2:26380',
        REDIS_SENTINEL_NAME: 'sdm',
        REDIS_SENTINEL_PASSWORD: 'sentinel-pw',
      },
      {
        kind: 'sentinel',
        sentinels: [
          { host: 's1', port: 26379 },
          { host: 's2', port: 26380 },
        ],
        name: 'sdm',
        password: 'master-pw',
        sentinelPassword: 'sentinel-pw',
        db: 3,
        tls: false,
      },
    ],
  ])('reads %s', (_name, env, expected) => {
    expect(read(env)).toEqual({ target: expected, problems: [] });
  });

  it.each<[string, RedisTargetEnv, RegExp]>([
    ['another scheme', { REDIS_URL: 'http://127.0.0.1:6379' }, /^REDIS_URL: must start with redis/],
    ['no URL at all', { REDIS_URL: 'not a url' }, /^REDIS_URL: not a URL/],
    ['a node without a host', { REDIS_CLUSTER_NODES: ':7000' }, /^REDIS_CLUSTER_NODES: ":7000" is not host:port/],
    ['a port out of range', { REDIS_CLUSTER_NODES: 'r1:70000' }, /is not host:port/],
    ['both topologies', { REDIS_CLUSTER_NODES: 'r1', REDIS_SENTINELS: 's1' }, /set one, not both/],
    ['Sentinels without the master name', { REDIS_SENTINELS: 's1' }, /^REDIS_SENTINEL_NAME: /],
  ])('reports %s in plain words', (_name, env, problem) => {
    expect(read(env).problems).toEqual([expect.stringMatching(problem)]);
  });
});

describe('queuePrefixFor', () => {
  const cluster: RedisTarget = { kind: 'cluster', nodes: [{ host: 'r1', port: 7000 }], tls: false };
  it.each([
    ['sdm', '{sdm}'],
    ['{sdm}', '{sdm}'],
    ['hospital-{sdm}', 'hospital-{sdm}'],
    ['sdm:{}', '{sdm:{}}'], // an empty tag is no tag: Redis hashes the whole key
  ])('on a cluster gives %s a hash tag: %s', (prefix, expected) => {
    expect(queuePrefixFor(cluster, prefix)).toBe(expected);
  });

  it('leaves the prefix alone on one node and on Sentinel', () => {
    expect(queuePrefixFor({ kind: 'single', url: 'redis://r' }, 'sdm')).toBe('sdm');
    expect(queuePrefixFor({ kind: 'sentinel', sentinels: [], name: 'm', tls: false }, 'sdm')).toBe('sdm');
  });
});

describe('describeRedisTarget', () => {
  it('names where Redis is without the password', () => {
    expect(describeRedisTarget({ kind: 'single', url: 'redis://:secret@r1:6379' })).toBe('redis://:***@r1:6379');
    const { target } = read({ REDIS_URL: 'redis+cluster://:secret@r1:7000,r2:7001' });
    expect(describeRedisTarget(target)).toBe('cluster r1:7000,r2:7001');
  });
});
