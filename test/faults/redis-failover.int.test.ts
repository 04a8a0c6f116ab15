import { setTimeout as sleep } from 'node:timers/promises';
import { explainLost } from '../../src/chaos/explain-lost.js';
import { startLocalRedisCluster, type LocalRedisCluster } from '../../src/chaos/local-redis-cluster.js';
import { startLocalRedisSentinel, type LocalRedisSentinel } from '../../src/chaos/local-redis-sentinel.js';
import { INVITATION_ID_SYSTEM } from '../../src/decision-aids/invitation-task-codes.js';
import type { EmbeddedStack } from '../../src/sandbox/start-stack.js';
import { settle } from '../helpers/embedded.js';
import { waitFor } from '../helpers/polling.js';
import { startChangeStream, type ChangeStream } from './change-stream.js';
import { startProxiedStack, tasksByInvitation, type ProxiedStack } from './proxied-stack.js';

const START_TIMEOUT_MS = 90_000;
const CASE_TIMEOUT_MS = 90_000;
const SETTLE_TIMEOUT_MS = 45_000;
/** Changes accepted before the failover, and again after it (intake works on the new master). */
const CHANGES_EACH_SIDE = 8;
/** How long the replica is frozen before the master dies: writes of that time exist on the master alone. */
const UNREPLICATED_MS = 1_500;
/** The events job's read of the change is held this long, so jobs are active when the master dies. */
const HOLD_READ_MS = 2_500;

/**
 * A master with two replicas behind a Sentinel, the service on it in `push` mode (no poll to find
 * what is lost), a steady stream of changes; during the stream the master is failed over. Then
 * every change has exactly one Task per recipient, and the platform knows no invitation without a
 * Task. The reflection delay (3 s) keeps the invitations of the last changes in Redis alone at the
 * moment of a crash.
 */
function serviceOn(sentinel: LocalRedisSentinel, minReplicasAck: string, mode = 'push'): Promise<ProxiedStack> {
  return serviceWith({ REDIS_SENTINELS: sentinel.sentinels, REDIS_SENTINEL_NAME: sentinel.name }, minReplicasAck, mode);
}

function serviceWith(topology: Record<string, string>, minReplicasAck: string, mode = 'push'): Promise<ProxiedStack> {
  return startProxiedStack({
    ...topology,
    REDIS_MIN_REPLICAS_ACK: minReplicasAck,
    INTAKE_HIX_MODE: mode,
    POLL_INTERVAL_MS: '1000', // in `both` mode: the poll comes round quickly after the crash
    MEDICATION_REFLECTION_DELAY: 'PT3S',
    RETRY_BACKOFF_MS: '50',
    JOB_LOCK_MS: '2000',
    JOB_STALLED_CHECK_MS: '1000',
    // A worker can come out of a failover alive without taking jobs (BullMQ's wedged blocking
    // connection, seen here on the Cluster crash): the watchdog starts it again within seconds.
    JOB_WATCHDOG_MS: '1000',
  });
}

/**
 * Once every replica is in sync, freezes the replicas and cuts their links, so the master takes writes alone (a frozen replica
 * cannot reconnect and catch up; without the cut it would still read them from its socket), kills
 * the master and thaws the replicas: one of them takes over without the master's last writes.
 */
async function crashUnreplicated(sentinel: LocalRedisSentinel): Promise<number> {
  // After an earlier failover the old master rejoins by a full sync. Until it is done its data is a
  // history of its own, with a higher offset, and the Sentinel would promote it: see docs/reliability.md.
  await sentinel.replicasInSync();
  const master = await sentinel.masterPort();
  const replicas = sentinel.nodePorts.filter((port) => port !== master);
  for (const replica of replicas) await sentinel.signal(replica, 'SIGSTOP');
  await sentinel.cutReplication();
  await sleep(UNREPLICATED_MS);
  await sentinel.signal(master, 'SIGKILL');
  for (const replica of replicas) await sentinel.signal(replica, 'SIGCONT');
  return sentinel.waitForNewMaster(master);
}

/** The streams of the running case, stopped after it whatever happened: a failed case must not keep sending into the service it closes. */
const streams: ChangeStream[] = [];
function streamOf(stack: EmbeddedStack): ChangeStream {
  const stream = startChangeStream(stack);
  streams.push(stream);
  return stream;
}
afterEach(async () => {
  await Promise.all(streams.splice(0).map((stream) => stream.stop().catch(() => undefined)));
});

/** Holds the events jobs' reads of the change at the EPD, and waits until workers hold jobs (replicated as active). */
async function holdEpdReads(env: ProxiedStack): Promise<void> {
  env.proxy.addRule({
    method: 'GET',
    path: /^\/fhir\/MedicationRequest\//,
    fault: { kind: 'delay', ms: HOLD_READ_MS },
  });
  await sleep(HOLD_READ_MS / 2);
}

/** Changes without their two Tasks, and Task counts above one per invitation. */
async function tally(env: ProxiedStack, stream: ChangeStream): Promise<{ lost: string[]; doubled: string[] }> {
  const lost: string[] = [];
  const doubled: string[] = [];
  for (const focus of stream.accepted) {
    const counts = [...(await tasksByInvitation(env.stack, focus)).values()];
    if (counts.length < 2) lost.push(focus);
    if (counts.some((n) => n > 1)) doubled.push(focus);
  }
  return { lost, doubled };
}

/** Invitation ids the platform received that no Task in the EPD carries. */
async function invitedWithoutTask(env: ProxiedStack): Promise<string[]> {
  const bundle = await env.stack.fhir.repo.search({ resourceType: 'Task', count: 10_000 });
  const ids = new Set(
    (bundle.entry ?? []).flatMap((e) =>
      ((e.resource as { identifier?: { system?: string; value?: string }[] }).identifier ?? [])
        .filter((id) => id.system === INVITATION_ID_SYSTEM)
        .map((id) => id.value),
    ),
  );
  return env.stack.aid.invitations.map((i) => i.invitationId).filter((id) => !ids.has(id));
}

async function expectNothingLost(env: ProxiedStack, stream: ChangeStream): Promise<void> {
  await settle(env.stack, SETTLE_TIMEOUT_MS);
  const { lost, doubled } = await tally(env, stream);
  // A lost change names what became of its events job, so a failure here says which step let it go.
  const explained = await explainLost(
    env.stack.service.queues,
    lost.map((focus) => `${focus}||`),
  );
  expect({ lost: explained.map((why) => `${why.key.split('|')[0]}: events job ${why.events}`), doubled }).toEqual({
    lost: [],
    doubled: [],
  });
  expect(await invitedWithoutTask(env)).toEqual([]);
  expect(await env.stack.service.queues.events.getFailedCount()).toBe(0);
  expect(await env.stack.service.queues.invitations.getFailedCount()).toBe(0);
}

/** A Sentinel with two replicas and the service on it, started for the tests of one describe block. */
function sentinelService(minReplicasAck: string, mode = 'push'): { sentinel: LocalRedisSentinel; env: ProxiedStack } {
  const ctx = {} as { sentinel: LocalRedisSentinel; env: ProxiedStack };
  beforeAll(async () => {
    ctx.sentinel = await startLocalRedisSentinel({ replicas: 2 });
    ctx.env = await serviceOn(ctx.sentinel, minReplicasAck, mode);
  }, START_TIMEOUT_MS);
  afterAll(async () => {
    await ctx.env?.close();
    await ctx.sentinel?.close();
  }, START_TIMEOUT_MS);
  return ctx;
}

describe('failover of the Redis master during a run, with REDIS_MIN_REPLICAS_ACK=1', () => {
  const ctx = sentinelService('1');

  it(
    'a controlled failover (SENTINEL FAILOVER) loses nothing and doubles nothing',
    async () => {
      const stream = streamOf(ctx.env.stack);
      await stream.until(CHANGES_EACH_SIDE);
      const before = await ctx.sentinel.masterPort();
      const after = await ctx.sentinel.failover();
      expect(after).not.toBe(before);
      await stream.until(stream.accepted.length + CHANGES_EACH_SIDE); // intake and workers follow the new master
      await stream.stop();
      await expectNothingLost(ctx.env, stream);
    },
    CASE_TIMEOUT_MS,
  );

  it(
    'a crash of the master with writes the replica never saw loses nothing: intake answered 503 until a replica had the job',
    async () => {
      const stream = streamOf(ctx.env.stack);
      await stream.until(CHANGES_EACH_SIDE);
      await holdEpdReads(ctx.env);
      const active = await ctx.env.stack.service.queues.events.getActiveCount();
      const refusedBefore = stream.refusals;
      await crashUnreplicated(ctx.sentinel);
      ctx.env.proxy.clearRules();
      expect(active).toBeGreaterThan(0); // jobs active on the old master come back (stalled) or finish on the new one
      expect(stream.refusals).toBeGreaterThan(refusedBefore); // not acknowledged while no replica confirmed
      await stream.until(stream.accepted.length + CHANGES_EACH_SIDE);
      await stream.stop();
      await expectNothingLost(ctx.env, stream);
    },
    CASE_TIMEOUT_MS,
  );
});

describe('the same crash without REDIS_MIN_REPLICAS_ACK (what the setting is for)', () => {
  const ctx = sentinelService('0');

  it(
    'loses changes answered 202 whose jobs existed on the crashed master alone, and still doubles nothing',
    async () => {
      const stream = streamOf(ctx.env.stack);
      await stream.until(CHANGES_EACH_SIDE);
      const acceptedBefore = stream.accepted.length;
      await crashUnreplicated(ctx.sentinel);
      const acceptedMeanwhile = stream.accepted.slice(acceptedBefore, stream.accepted.length);
      await stream.until(stream.accepted.length + CHANGES_EACH_SIDE);
      await stream.stop();
      await settle(ctx.env.stack, SETTLE_TIMEOUT_MS);
      const { lost, doubled } = await tally(ctx.env, stream);
      // Answered 202 while the replica was frozen, and gone with the master: the sender will not send them again.
      expect(lost.length).toBeGreaterThan(0);
      expect(lost.filter((focus) => !acceptedMeanwhile.includes(focus))).toEqual([]);
      expect(doubled).toEqual([]);
      expect(await invitedWithoutTask(ctx.env)).toEqual([]);
    },
    CASE_TIMEOUT_MS,
  );
});

describe('the same crash without REDIS_MIN_REPLICAS_ACK, in `both` mode (push and poll)', () => {
  const ctx = sentinelService('0', 'both');

  it(
    'the poll finds again what the crash took from Redis: nothing lost, nothing doubled',
    async () => {
      const stream = streamOf(ctx.env.stack);
      await stream.until(CHANGES_EACH_SIDE);
      const acceptedBefore = stream.accepted.length;
      await crashUnreplicated(ctx.sentinel);
      // Changes answered 202 while the replicas were cut off: in `push` mode (the case above) such
      // changes are lost with the master.
      expect(stream.accepted.length).toBeGreaterThan(acceptedBefore);
      await stream.until(stream.accepted.length + CHANGES_EACH_SIDE);
      await stream.stop();
      // The poll reads the EPD's changes since its cursor (which rolled back with the rest) minus the
      // overlap, so the changes whose jobs were lost are queued again; the others are recognised.
      await waitFor(
        'the poll to queue the lost changes again',
        async () => (await tally(ctx.env, stream)).lost.length === 0,
        SETTLE_TIMEOUT_MS,
      ).catch(() => undefined); // the assertion below says what is missing
      await expectNothingLost(ctx.env, stream);
    },
    CASE_TIMEOUT_MS,
  );
});

describe('failover of a Redis Cluster master during a run, with REDIS_MIN_REPLICAS_ACK=1', () => {
  const prefix = `sdm-cluster-failover-${process.pid}`;
  let cluster: LocalRedisCluster;
  let env: ProxiedStack;
  beforeAll(async () => {
    cluster = await startLocalRedisCluster(3, { replicasPerMaster: 1 });
    env = await serviceWith({ REDIS_CLUSTER_NODES: cluster.nodes, QUEUE_PREFIX: prefix }, '1');
  }, START_TIMEOUT_MS);
  afterAll(async () => {
    await env?.close();
    await cluster?.close();
  }, START_TIMEOUT_MS);

  it(
    'a controlled failover (CLUSTER FAILOVER on the replica of the master holding the queues) loses nothing and doubles nothing',
    async () => {
      const stream = streamOf(env.stack);
      await stream.until(CHANGES_EACH_SIDE);
      const { master, replica } = cluster.holdersOf(`{${prefix}}:events`);
      await cluster.failover(replica!);
      expect(cluster.holdersOf(`{${prefix}}:events`).master).not.toBe(master);
      await stream.until(stream.accepted.length + CHANGES_EACH_SIDE); // MOVED answers lead the clients to the new master
      await stream.stop();
      await expectNothingLost(env, stream);
    },
    CASE_TIMEOUT_MS,
  );

  it(
    'a crash of the master holding the queues, with writes its replica never saw, loses nothing: intake answered 503 until a replica had the job',
    async () => {
      const stream = streamOf(env.stack);
      await stream.until(CHANGES_EACH_SIDE);
      await holdEpdReads(env);
      const { master, replica } = cluster.holdersOf(`{${prefix}}:events`);
      await cluster.replicaInSync(replica!);
      const refusedBefore = stream.refusals;
      await cluster.signal(replica!, 'SIGSTOP');
      cluster.cutReplication(master);
      await sleep(UNREPLICATED_MS);
      await cluster.signal(master, 'SIGKILL');
      await cluster.signal(replica!, 'SIGCONT');
      await cluster.waitForTakeover(replica!); // after the cluster's node timeout and an election
      env.proxy.clearRules();
      expect(stream.refusals).toBeGreaterThan(refusedBefore); // not acknowledged while no replica confirmed
      // Its only replica is master now, with nobody to confirm writes: intake answers 503 until the
      // crashed node is back, as a replica of the one that took its slots.
      await cluster.restart(master);
      await stream.until(stream.accepted.length + CHANGES_EACH_SIDE);
      await stream.stop();
      await expectNothingLost(env, stream);
    },
    CASE_TIMEOUT_MS,
  );
});
