import { Cluster } from 'ioredis';
import { startLocalRedisCluster, type LocalRedisCluster } from '../../src/chaos/local-redis-cluster.js';
import { demoSteps, notificationFor } from '../../src/sandbox/demo-scenario.js';
import { startEmbeddedStack, type EmbeddedStack } from '../../src/sandbox/start-stack.js';
import { notify, refOf, settle, storeInEpd, tasksFor } from '../helpers/embedded.js';

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

  it('runs every key moment to its invitation Tasks', async () => {
    expect(stack.config.redis.kind).toBe('cluster');
    expect(stack.config.queuePrefix).toBe(`{sdm-cluster-${process.pid}}`);
    const steps = demoSteps(stack.seed);
    const stored = [];
    for (const [i, step] of steps.entries()) {
      const resource = await storeInEpd(stack, step.resource);
      stored.push(resource);
      expect((await notify(stack, notificationFor(step, resource, i + 1))).status).toBe(202);
    }
    await settle(stack, SETTLE_TIMEOUT_MS);
    const aidByCanonical = new Map(
      [...stack.service.mappings.decisionAids.values()].map((a) => [a.activityDefinition, a.id]),
    );
    for (const [i, step] of steps.entries()) {
      const tasks = await tasksFor(stack, refOf(stored[i]!));
      const keys = tasks.map((t) => `${aidByCanonical.get(t.instantiatesCanonical!)}:${t.owner?.reference}`).sort();
      expect(keys).toEqual(step.expected(stack.seed).sort());
    }
    expect(await stack.service.queues.events.getFailedCount()).toBe(0);
    expect(await stack.service.queues.invitations.getFailedCount()).toBe(0);
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
