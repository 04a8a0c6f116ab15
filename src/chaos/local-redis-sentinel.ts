import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { freePort } from './private-redis.js';
import { stopChild } from './stop-child.js';

/** A master (and optionally replicas) watched by one Sentinel, all redis-server processes of our own on loopback. */
export interface LocalRedisSentinel {
  /** `127.0.0.1:<port>` of the Sentinel, as REDIS_SENTINELS takes it. */
  sentinels: string;
  /** The master's name the Sentinel monitors (REDIS_SENTINEL_NAME). */
  name: string;
  pids: number[];
  /** The port of the node the Sentinel names master now. */
  masterPort(): Promise<number>;
  /** The ports of the data nodes (master first, as started), without the Sentinel. */
  nodePorts: number[];
  /** Sends a signal to the data node on `port`: SIGKILL crashes it, SIGSTOP/SIGCONT freeze and thaw it. */
  signal(port: number, signal: 'SIGKILL' | 'SIGSTOP' | 'SIGCONT'): Promise<void>;
  /** Closes the master's links to its replicas (`CLIENT KILL TYPE replica`): writes after it stay on the master until a replica reconnects. */
  cutReplication(): Promise<void>;
  /** Resolves once every data node but the master has finished syncing with it (`master_link_status:up`). */
  replicasInSync(timeoutMs?: number): Promise<void>;
  /** A controlled failover (`SENTINEL FAILOVER`); resolves once a replica is master. */
  failover(): Promise<number>;
  /** Resolves with the new master's port once the Sentinel names another node than `oldPort`, and it answers as master. */
  waitForNewMaster(oldPort: number, timeoutMs?: number): Promise<number>;
  /** Stops every process by pid and removes the data directory. */
  close(): Promise<void>;
}

/** Start-up of all and the Sentinel's first look at the master, on a busy machine. */
const READY_TIMEOUT_MS = 30_000;
/** A failover on loopback takes a few seconds: detection (DOWN_AFTER_MS), election, promotion. */
const FAILOVER_TIMEOUT_MS = 30_000;
/** How long the master may be silent before the Sentinel takes it for down: short, for tests. */
const DOWN_AFTER_MS = 1_000;
const MASTER_NAME = 'sdm-local';

/**
 * Starts a redis-server, `replicas` replicas of it, and a Sentinel (`redis-server <conf>
 * --sentinel`) that monitors them (quorum 1), on free loopback ports with a temporary directory,
 * and waits until the Sentinel names the master and knows every replica.
 */
export async function startLocalRedisSentinel(options: { replicas?: number } = {}): Promise<LocalRedisSentinel> {
  const dir = await mkdtemp(join(tmpdir(), 'sdm-redis-sentinel-'));
  const nodes = new Map<number, ChildProcess>();
  const children: ChildProcess[] = [];
  const close = async () => {
    await Promise.all(children.map(stopChild)); // SIGKILL ends a frozen (SIGSTOPped) one too
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const masterPort = await freePort();
    const node = (port: number, extra: string[] = []) => {
      const child = start(['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir, ...extra]);
      nodes.set(port, child);
      children.push(child);
    };
    // Every node may become master: each serves a full sync at once, not after Redis' 5 s wait for more replicas.
    const syncAtOnce = ['--repl-diskless-sync-delay', '0'];
    node(masterPort, syncAtOnce);
    for (let i = 0; i < (options.replicas ?? 0); i++)
      node(await freePort(), [...syncAtOnce, '--replicaof', '127.0.0.1', String(masterPort)]);
    const sentinelPort = await freePort();
    const conf = join(dir, 'sentinel.conf'); // Sentinel rewrites its file, so it must be its own
    await writeFile(conf, sentinelConf(sentinelPort, dir, masterPort));
    children.push(start([conf, '--sentinel']));
    await waitFor(sentinelPort, async (s) => {
      const master = (await s.call('SENTINEL', 'get-master-addr-by-name', MASTER_NAME)) as string[] | null;
      const replicas = (await s.call('SENTINEL', 'replicas', MASTER_NAME)) as unknown[];
      return Boolean(master?.length) && replicas.length >= (options.replicas ?? 0);
    });
    // Known to the Sentinel is not yet in sync: a write before the first sync ends would exist on the master alone.
    for (const port of [...nodes.keys()].slice(1)) await waitFor(sentinelPort, () => linkUp(port));
    const masterPortNow = async () => {
      const master = await ask(sentinelPort, ['get-master-addr-by-name', MASTER_NAME]);
      return Number((master as string[])[1]);
    };
    const waitForNewMaster = async (oldPort: number, timeoutMs = FAILOVER_TIMEOUT_MS) => {
      let found = 0;
      await waitFor(
        sentinelPort,
        async () => {
          const port = await masterPortNow();
          if (port === oldPort || !(await answersAsMaster(port))) return false;
          found = port;
          return true;
        },
        timeoutMs,
      );
      return found;
    };
    return {
      sentinels: `127.0.0.1:${sentinelPort}`,
      name: MASTER_NAME,
      pids: children.map((c) => c.pid!),
      nodePorts: [...nodes.keys()],
      masterPort: masterPortNow,
      async signal(port, signal) {
        const child = nodes.get(port);
        if (!child) throw new Error(`no data node of ours on port ${port}`);
        if (signal === 'SIGKILL') await stopChild(child);
        else child.kill(signal);
      },
      async cutReplication() {
        const master = connect(await masterPortNow());
        try {
          await master.call('CLIENT', 'KILL', 'TYPE', 'replica');
        } finally {
          master.disconnect();
        }
      },
      async replicasInSync(timeoutMs = FAILOVER_TIMEOUT_MS) {
        const master = await masterPortNow();
        const replicas = [...nodes.keys()].filter(
          (port) => port !== master && nodes.get(port)!.exitCode === null && nodes.get(port)!.signalCode === null,
        );
        for (const port of replicas) await waitFor(sentinelPort, () => linkUp(port), timeoutMs);
      },
      async failover() {
        const old = await masterPortNow();
        await ask(sentinelPort, ['failover', MASTER_NAME]);
        return waitForNewMaster(old);
      },
      waitForNewMaster,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

function sentinelConf(port: number, dir: string, masterPort: number): string {
  return [
    `port ${port}`,
    'bind 127.0.0.1',
    `dir ${dir}`,
    `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${masterPort} 1`,
    `sentinel down-after-milliseconds ${MASTER_NAME} ${DOWN_AFTER_MS}`,
    `sentinel failover-timeout ${MASTER_NAME} 10000`, // a second try soon after a failed one
    '',
  ].join('\n');
}

function start(args: string[]): ChildProcess {
  const child = spawn('redis-server', args, { stdio: 'ignore' });
  child.once('error', () => undefined); // shows as no answer below
  return child;
}

/** One Sentinel command on a short-lived connection. */
async function ask(sentinelPort: number, args: string[]): Promise<unknown> {
  const sentinel = connect(sentinelPort);
  try {
    return await sentinel.call('SENTINEL', ...args);
  } finally {
    sentinel.disconnect();
  }
}

async function answersAsMaster(port: number): Promise<boolean> {
  const probe = connect(port);
  try {
    const [role] = (await probe.call('ROLE')) as [string];
    return role === 'master';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

/** True once the replica on `port` has finished its first sync with its master. */
async function linkUp(port: number): Promise<boolean> {
  const replica = connect(port);
  try {
    return (await replica.info('replication')).includes('master_link_status:up');
  } finally {
    replica.disconnect();
  }
}

function connect(port: number): Redis {
  const redis = new Redis({ port, host: '127.0.0.1', retryStrategy: () => null, maxRetriesPerRequest: 0 });
  redis.on('error', () => undefined); // the command's rejection carries it
  return redis;
}

async function waitFor(
  sentinelPort: number,
  done: (sentinel: Redis) => Promise<boolean>,
  timeoutMs = READY_TIMEOUT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const sentinel = connect(sentinelPort);
    try {
      if (await done(sentinel)) return;
    } catch {
      // not up yet
    } finally {
      sentinel.disconnect();
    }
    if (Date.now() > deadline)
      throw new Error(
        `the Sentinel on port ${sentinelPort} did not get there within ${timeoutMs} ms; is redis-server installed?`,
      );
    await sleep(100);
  }
}
