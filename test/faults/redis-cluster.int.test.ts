import { Cluster } from 'ioredis';
import { startLocalRedisCluster, type LocalRedisCluster } from '../../src/chaos/local-redis-cluster.js';
import { startEmbeddedStack, type EmbeddedStack } from '../../src/sandbox/start-stack.js';
import { expectKeyMomentTasks } from '../helpers/key-moment-flow.js';

const START_TIMEOUT_MS = 90_000;
const SETTLE_TIMEOUT_MS = 60_000;

/**
 * The service on a Redis Cluster of three masters (redis-server in cluster mode on ports of its
 * own, joined by `redis-cli --cluster create`): the key-moment flow runs on it end to end, the
 * queue prefix carries a hash tag, and so every key of the service lands in one slot.
 */
describe('on a Redis Cluster of three masters', () => {
  let cluster: LocalRedisCluster;
  let stack: EmbeddedStack;
  beforeAll(async () => {
    cluster = await startLocalRedisCluster(3);
    stack = await startEmbeddedStack({
      env: { REDIS_CLUSTER_NODES: cluster.nodes, QUEUE_PREFIX: `sdm-cluster-${process.pid}` },
    });
  }, START_TIMEOUT_MS);
  afterAll(async () => {
    await stack?.close();
    await cluster?.close();
  }, START_TIMEOUT_MS);

  it('runs every key moment to its invitation Tasks, with a hash-tagged queue prefix', async () => {
    expect(stack.config.redis.kind).toBe('cluster');
    expect(stack.config.queuePrefix).toBe(`{sdm-cluster-${process.pid}}`);
    await expectKeyMomentTasks(stack, SETTLE_TIMEOUT_MS);
  });

  it('keeps all of its keys in the one slot of the prefix hash tag, on one master', async () => {
    const client = new Cluster(cluster.ports.map((port) => ({ host: '127.0.0.1', port })));
    try {
      await client.ping(); // the masters are known once the slot map is read
      const holders: number[] = [];
      for (const node of client.nodes('master')) {
        const [, keys] = await node.scan('0', 'MATCH', `\\{sdm-cluster-${process.pid}\\}:*`, 'COUNT', 10_000);
        if (keys.length) holders.push(node.options.port!);
        const slots = new Set(await Promise.all(keys.map((key) => node.cluster('KEYSLOT', key))));
        expect(slots.size).toBeLessThanOrEqual(1);
      }
      expect(holders).toHaveLength(1); // BullMQ's queues, the stores and the throttles alike
    } finally {
      client.disconnect();
    }
  });
});
