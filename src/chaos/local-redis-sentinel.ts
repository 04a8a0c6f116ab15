import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { freePort } from './private-redis.js';
import { stopChild } from './stop-child.js';

/** A master watched by one Sentinel, both redis-server processes of our own on loopback. */
export interface LocalRedisSentinel {
  /** `127.0.0.1:<port>` of the Sentinel, as REDIS_SENTINELS takes it. */
  sentinels: string;
  /** The master's name the Sentinel monitors (REDIS_SENTINEL_NAME). */
  name: string;
  pids: number[];
  /** Stops both by pid and removes the data directory. */
  close(): Promise<void>;
}

/** Start-up of both and the Sentinel's first look at the master, on a busy machine. */
const READY_TIMEOUT_MS = 30_000;
const MASTER_NAME = 'sdm-local';

/**
 * Starts a redis-server and a Sentinel (`redis-server <conf> --sentinel`) that monitors it, on free
 * loopback ports with a temporary directory, and waits until the Sentinel names the master.
 */
export async function startLocalRedisSentinel(): Promise<LocalRedisSentinel> {
  const dir = await mkdtemp(join(tmpdir(), 'sdm-redis-sentinel-'));
  const children: ChildProcess[] = [];
  const close = async () => {
    await Promise.all(children.map(stopChild));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const [masterPort, sentinelPort] = [await freePort(), await freePort()];
    children.push(start(['--port', String(masterPort), '--bind', '127.0.0.1', '--save', '', '--dir', dir]));
    const conf = join(dir, 'sentinel.conf'); // Sentinel rewrites its file, so it must be its own
    await writeFile(
      conf,
      [
        `port ${sentinelPort}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${masterPort} 1`,
        `sentinel down-after-milliseconds ${MASTER_NAME} 2000`,
        '',
      ].join('\n'),
    );
    children.push(start([conf, '--sentinel']));
    await waitForMaster(sentinelPort);
    return { sentinels: `127.0.0.1:${sentinelPort}`, name: MASTER_NAME, pids: children.map((c) => c.pid!), close };
  } catch (err) {
    await close();
    throw err;
  }
}

function start(args: string[]): ChildProcess {
  const child = spawn('redis-server', args, { stdio: 'ignore' });
  child.once('error', () => undefined); // shows as no answer below
  return child;
}

async function waitForMaster(sentinelPort: number): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const probe = new Redis({ port: sentinelPort, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      const master = (await probe.call('SENTINEL', 'get-master-addr-by-name', MASTER_NAME)) as string[] | null;
      if (master?.length) return;
    } catch {
      // not up yet
    } finally {
      probe.disconnect();
    }
    if (Date.now() > deadline)
      throw new Error(
        `no Sentinel on port ${sentinelPort} named a master within ${READY_TIMEOUT_MS} ms; is redis-server installed?`,
      );
    await sleep(100);
  }
}
