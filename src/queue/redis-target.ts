/** One Redis node address. */
export interface RedisNode {
  host: string;
  port: number;
}

/** Credentials and transport shared by every node of a topology. */
interface RedisAuth {
  username?: string;
  password?: string;
  /** TLS to every node (`rediss://` or `rediss+cluster://`). */
  tls: boolean;
}

/**
 * The Redis the service runs on, as users run it:
 * - `single`: one node (`REDIS_URL=redis://…`);
 * - `cluster`: Redis Cluster, reached through any of its nodes (`REDIS_CLUSTER_NODES=h1:p1,h2:p2`, or
 *   `REDIS_URL=redis+cluster://[user:pass@]h1:p1,h2:p2`);
 * - `sentinel`: a master watched by Sentinels (`REDIS_SENTINELS=h1:26379,…` and `REDIS_SENTINEL_NAME`).
 */
export type RedisTarget =
  | { kind: 'single'; url: string }
  | ({ kind: 'cluster'; nodes: RedisNode[] } & RedisAuth)
  | ({ kind: 'sentinel'; sentinels: RedisNode[]; name: string; sentinelPassword?: string; db?: number } & RedisAuth);

/** The settings `readRedisTarget` reads. */
export interface RedisTargetEnv {
  REDIS_URL?: string | undefined;
  REDIS_CLUSTER_NODES?: string | undefined;
  REDIS_SENTINELS?: string | undefined;
  REDIS_SENTINEL_NAME?: string | undefined;
  REDIS_SENTINEL_PASSWORD?: string | undefined;
}

/** The Redis port when a node names none. */
const DEFAULT_PORT = 6379;
/** A Sentinel's port when an address names none. */
const DEFAULT_SENTINEL_PORT = 26379;
const DEFAULT_URL = 'redis://127.0.0.1:6379';
const CLUSTER_URL = /^(rediss?)\+cluster:\/\/(?:([^@/]*)@)?([^/?#]+)\/?$/;

/**
 * Reads the Redis topology from the environment; problems are added to `problems` in plain words.
 * In cluster and sentinel mode REDIS_URL still carries the credentials (and `rediss:` for TLS).
 */
export function readRedisTarget(env: RedisTargetEnv, problems: string[]): RedisTarget {
  const url = env.REDIS_URL?.trim() || DEFAULT_URL;
  const clusterUrl = CLUSTER_URL.exec(url);
  if (clusterUrl) {
    const [, scheme, userInfo, hosts] = clusterUrl;
    const nodes = readNodes('REDIS_URL', hosts!, DEFAULT_PORT, problems);
    return { kind: 'cluster', nodes, ...readUserInfo(userInfo), tls: scheme === 'rediss' };
  }
  const auth = readUrlAuth(url, problems);
  if (env.REDIS_CLUSTER_NODES?.trim()) {
    if (env.REDIS_SENTINELS?.trim()) problems.push('REDIS_CLUSTER_NODES and REDIS_SENTINELS: set one, not both');
    return {
      kind: 'cluster',
      nodes: readNodes('REDIS_CLUSTER_NODES', env.REDIS_CLUSTER_NODES, DEFAULT_PORT, problems),
      ...auth,
    };
  }
  if (env.REDIS_SENTINELS?.trim()) {
    const name = env.REDIS_SENTINEL_NAME?.trim();
    if (!name)
      problems.push('REDIS_SENTINEL_NAME: name the master the Sentinels watch (their `sentinel monitor` name)');
    const sentinels = readNodes('REDIS_SENTINELS', env.REDIS_SENTINELS, DEFAULT_SENTINEL_PORT, problems);
    const db = Number(URL.parse(url)?.pathname.slice(1) || 0);
    return {
      kind: 'sentinel',
      sentinels,
      name: name ?? '',
      ...auth,
      ...(env.REDIS_SENTINEL_PASSWORD ? { sentinelPassword: env.REDIS_SENTINEL_PASSWORD } : {}),
      ...(db ? { db } : {}),
    };
  }
  return { kind: 'single', url };
}

/**
 * The queue prefix with a hash tag on a cluster: `sdm` → `{sdm}`. Why: BullMQ's scripts touch
 * several keys of a queue at once, and the poll, gap and throttle stores combine keys too; Redis
 * Cluster runs a multi-key command only when all keys hash to one slot, and a `{…}` tag makes the
 * slot depend on the tag alone. A prefix that already holds a tag is kept as it is.
 */
export function queuePrefixFor(target: RedisTarget, prefix: string): string {
  if (target.kind !== 'cluster' || /\{[^}]+\}/.test(prefix)) return prefix;
  return `{${prefix}}`;
}

/** Where the target is, without credentials: for start-up lines and errors. */
export function describeRedisTarget(target: RedisTarget): string {
  const list = (nodes: RedisNode[]) => nodes.map((n) => `${n.host}:${n.port}`).join(',');
  switch (target.kind) {
    case 'single':
      return redactUrl(target.url);
    case 'cluster':
      return `cluster ${list(target.nodes)}`;
    case 'sentinel':
      return `sentinel ${target.name} via ${list(target.sentinels)}`;
  }
}

/** A Redis URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable REDIS_URL)';
  }
}

function readNodes(name: string, list: string, defaultPort: number, problems: string[]): RedisNode[] {
  const nodes: RedisNode[] = [];
  for (const item of list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const match = /^(\[[0-9a-fA-F:]+\]|[^:\s]+)(?::(\d{1,5}))?$/.exec(item);
    const port = Number(match?.[2] ?? defaultPort);
    if (!match || port < 1 || port > 65_535) {
      problems.push(`${name}: "${item}" is not host:port`);
      continue;
    }
    nodes.push({ host: match[1]!.replace(/^\[|\]$/g, ''), port });
  }
  if (!nodes.length && !problems.some((p) => p.startsWith(name))) problems.push(`${name}: name at least one host:port`);
  return nodes;
}

function readUrlAuth(url: string, problems: string[]): RedisAuth {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    problems.push('REDIS_URL: not a URL (redis://host:port, rediss://… for TLS, or redis+cluster://h1:p1,h2:p2)');
    return { tls: false };
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:')
    problems.push('REDIS_URL: must start with redis:// or rediss://');
  return {
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    tls: u.protocol === 'rediss:',
  };
}

function readUserInfo(userInfo: string | undefined): Omit<RedisAuth, 'tls'> {
  if (!userInfo) return {};
  const [user, ...rest] = userInfo.split(':');
  const password = rest.join(':');
  return {
    ...(user ? { username: decodeURIComponent(user) } : {}),
    ...(password ? { password: decodeURIComponent(password) } : {}),
  };
}
