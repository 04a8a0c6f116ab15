import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './private-redis.js';
import { stopChild } from './stop-child.js';

/** A Redis Cluster of our own on loopback: masters (and replicas if asked), each a redis-server process we started. */
export interface LocalRedisCluster {
  /** `127.0.0.1:p1,127.0.0.1:p2,…`, as REDIS_CLUSTER_NODES takes it. */
  nodes: string;
  ports: number[];
  pids: number[];
  /** The master serving `key`'s slot now, and one of its replicas (undefined without replicas). */
  holdersOf(key: string): { master: number; replica?: number };
  /** `CLUSTER FAILOVER` on a replica (a controlled failover); resolves once it answers as master. */
  failover(replicaPort: number): Promise<void>;
  /** Resolves once the replica on `port` has finished syncing with its master. */
  replicaInSync(port: number): Promise<void>;
  /** Sends a signal to the node on `port`: SIGKILL crashes it, SIGSTOP/SIGCONT freeze and thaw it. */
  signal(port: number, signal: 'SIGKILL' | 'SIGSTOP' | 'SIGCONT'): Promise<void>;
  /** Closes the master's links to its replicas (`CLIENT KILL TYPE replica`): its writes after it stay on it alone. */
  cutReplication(masterPort: number): void;
  /** Resolves once the replica on `port` answers as master and every live node names it master (after a crash of its master). */
  waitForTakeover(port: number): Promise<void>;
  /** Starts a crashed node again on its port and configuration: it rejoins, as a replica of whoever took its slots. */
  restart(port: number): Promise<void>;
  /** Stops every node by its pid (SIGKILL: nothing of it needs to survive) and removes the data directory. */
  close(): Promise<void>;
}

/** A node's cluster bus listens on its port + 10000 (Redis' fixed offset). */
const BUS_OFFSET = 10_000;
/** Start-up of the nodes and the slot assignment, on a busy machine. */
const READY_TIMEOUT_MS = 30_000;

/**
 * Starts `masters` redis-server processes in cluster mode on free loopback ports with a temporary
 * directory, joins them with `redis-cli --cluster create … --cluster-yes` (all 16384 slots spread
 * over the masters), and waits until every node reports `cluster_state:ok`. Fails with a clear
 * message when redis-server or redis-cli is missing (Debian's redis-server package brings both).
 */
export async function startLocalRedisCluster(
  masters = 3,
  options: { replicasPerMaster?: number } = {},
): Promise<LocalRedisCluster> {
  const replicas = options.replicasPerMaster ?? 0;
  requireBinary('redis-server');
  requireBinary('redis-cli');
  const dir = await mkdtemp(join(tmpdir(), 'sdm-redis-cluster-'));
  const children: ChildProcess[] = [];
  const close = async () => {
    await Promise.all(children.map(stopChild));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const ports = await clusterPorts(masters * (1 + replicas));
    const byPort = new Map<number, ChildProcess>();
    const launch = (port: number) => {
      const child = startNode(dir, port);
      children.push(child);
      byPort.set(port, child);
    };
    const alive = (port: number) => {
      const child = byPort.get(port)!;
      return child.exitCode === null && child.signalCode === null;
    };
    for (const port of ports) launch(port);
    await Promise.all(ports.map((port) => waitFor(() => cli(port, 'ping') === 'PONG', `node ${port} to answer PING`)));
    const created = spawnSync(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...ports.map((p) => `127.0.0.1:${p}`),
        '--cluster-replicas',
        String(replicas),
        '--cluster-yes',
      ],
      { encoding: 'utf8', timeout: READY_TIMEOUT_MS },
    );
    if (created.status !== 0) throw new Error(`redis-cli --cluster create failed:\n${created.stdout}${created.stderr}`);
    await Promise.all(
      ports.map((port) => waitFor(() => cli(port, 'cluster', 'info').includes('cluster_state:ok'), `node ${port} ok`)),
    );
    // In the cluster is not yet in sync: a write before a replica's first sync would be on its master alone.
    await Promise.all(
      ports.map((port) =>
        waitFor(() => !cli(port, 'role').startsWith('slave') || linkUp(port), `replica ${port} in sync`),
      ),
    );
    const waitForTakeover = async (replicaPort: number) => {
      await waitFor(() => cli(replicaPort, 'role').startsWith('master'), `node ${replicaPort} to take over`);
      // The other nodes learn it by gossip; until then `holdersOf` (asked of any node) names the old master.
      await Promise.all(
        ports
          .filter(alive)
          .map((port) =>
            waitFor(() => seesAsMaster(port, replicaPort), `node ${port} to see ${replicaPort} as master`),
          ),
      );
    };
    return {
      nodes: ports.map((p) => `127.0.0.1:${p}`).join(','),
      ports,
      get pids() {
        return children.map((c) => c.pid!); // a restarted node adds its new process
      },
      holdersOf: (key) => holdersOf(ports.find(alive)!, key),
      async failover(replicaPort) {
        if (cli(replicaPort, 'cluster', 'failover') !== 'OK')
          throw new Error(`node ${replicaPort} refused CLUSTER FAILOVER`);
        await waitForTakeover(replicaPort);
      },
      replicaInSync: (port) => waitFor(() => linkUp(port), `replica ${port} in sync`),
      async signal(port, signal) {
        const child = byPort.get(port);
        if (!child) throw new Error(`no node of ours on port ${port}`);
        if (signal === 'SIGKILL') await stopChild(child);
        else child.kill(signal);
      },
      cutReplication(masterPort) {
        cli(masterPort, 'client', 'kill', 'type', 'replica');
      },
      waitForTakeover,
      async restart(port) {
        if (alive(port)) throw new Error(`node ${port} is still running`);
        launch(port);
        await waitFor(() => cli(port, 'ping') === 'PONG', `node ${port} to answer PING again`);
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

function requireBinary(name: string): void {
  const probe = spawnSync(name, ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      `${name} is needed to start a local Redis Cluster but was not found on PATH. ` +
        'Install it (Debian: apt-get install -y redis-server, which brings redis-cli too); .ci/run does.',
    );
  }
}

function startNode(dir: string, port: number): ChildProcess {
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--cluster-enabled',
    'yes',
    '--cluster-config-file',
    `nodes-${port}.conf`,
    '--cluster-node-timeout',
    '2000',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    'no',
    '--daemonize',
    'no',
  ];
  const child = spawn('redis-server', args, { stdio: 'ignore' });
  child.once('error', () => undefined); // shows as no PING
  return child;
}

/** Free ports whose bus port (+10000) is free too. */
async function clusterPorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) {
    const port = await freePort();
    if (port + BUS_OFFSET > 65_535 || ports.includes(port)) continue;
    if (await portIsFree(port + BUS_OFFSET)) ports.push(port);
  }
  return ports;
}

async function portIsFree(port: number): Promise<boolean> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** `CLUSTER NODES` as the node on `port` sees the cluster: each node's id, port, role, master and slot ranges. */
function clusterNodes(
  port: number,
): { id: string; port: number; master: boolean; masterId: string; slots: string[] }[] {
  return cli(port, 'cluster', 'nodes')
    .split('\n')
    .map((line) => line.split(' '))
    .map(([id, address, flags, masterId, , , , , ...slots]) => ({
      id: id!,
      port: Number(/:(\d+)@/.exec(address ?? '')?.[1]),
      master: (flags ?? '').split(',').includes('master'),
      masterId: masterId!,
      slots: slots.filter((range) => !range.startsWith('[')),
    }));
}

function linkUp(port: number): boolean {
  return cli(port, 'info', 'replication').includes('master_link_status:up');
}

/** From `CLUSTER NODES`: the master whose slot ranges hold `key`'s slot, and a replica naming it as its master. */
function holdersOf(anyPort: number, key: string): { master: number; replica?: number } {
  const slot = Number(cli(anyPort, 'cluster', 'keyslot', key));
  const nodes = clusterNodes(anyPort);
  const holds = (range: string) => {
    const [from, to = from] = range.split('-').map(Number);
    return slot >= from! && slot <= to!;
  };
  const master = nodes.find((n) => n.master && n.slots.some(holds));
  if (!master) throw new Error(`no master serves slot ${slot}`);
  const replica = nodes.find((n) => n.masterId === master.id);
  return { master: master.port, ...(replica ? { replica: replica.port } : {}) };
}

/** Whether `CLUSTER NODES` as the node on `askedPort` knows it lists the node on `port` as a master. */
function seesAsMaster(askedPort: number, port: number): boolean {
  return clusterNodes(askedPort).some((node) => node.port === port && node.master);
}

function cli(port: number, ...command: string[]): string {
  const out = spawnSync('redis-cli', ['-p', String(port), ...command], { encoding: 'utf8', timeout: 5_000 });
  return (out.stdout ?? '').trim();
}

async function waitFor(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Redis Cluster: waited ${READY_TIMEOUT_MS} ms for ${what}`);
    await sleep(100);
  }
}
