import { QSessionsCommandError } from '../cli/command-error.js';
import { redactSecrets, redactUrlPassword } from '../cli/redact.js';
import type { LegacySession, LegacySessionSource } from './legacy-session-source.js';
import { urlPassword } from './url-password.js';
import { redisAddress } from '../options/redis-addresses.js';

/** Where connect-redis keeps its sessions. */
export interface RedisSessionSourceOptions {
  /** The Redis URL the express-session app's client connects to (`redis://[:password@]host:port[/db]`). */
  url?: string;
  /** Or some nodes of the Redis Cluster its client connects to (`host:port`). */
  clusterNodes?: readonly string[];
  /** connect-redis's `prefix` option. Default `sess:`. */
  prefix?: string;
}

/** The few node-redis (v4/v5) client calls the reader makes. */
interface RedisReader {
  connect(): Promise<unknown>;
  on(event: 'error', listener: (error: Error) => void): unknown;
  scanIterator(options: { MATCH: string; COUNT: number }): AsyncIterable<string[]>;
  mGet(keys: string[]): Promise<Array<string | null>>;
  get(key: string): Promise<string | null>;
  pTTL(key: string): Promise<number>;
  destroy(): void;
}

/** The node-redis Cluster client calls the reader makes. */
interface ClusterReader extends Omit<RedisReader, 'scanIterator' | 'mGet'> {
  readonly masters: ReadonlyArray<object>;
  nodeClient(node: object): RedisReader | Promise<RedisReader>;
}

/** What the reader needs of Redis, one server or a cluster alike. */
interface SessionKeys {
  /** Every key matching `pattern`, in batches (SCAN, on every primary of a cluster). */
  scan(pattern: string, count: number): AsyncIterable<string[]>;
  /** The values of `keys`, in order. */
  values(keys: string[]): Promise<Array<string | null>>;
  pTTL(key: string): Promise<number>;
  destroy(): void;
}

/** PTTL's answer for a key that no longer exists (deleted or expired since SCAN saw it). */
const KEY_GONE = -2;

/**
 * connect-redis's sessions: one string key `<prefix><sid>` per session holding its JSON, with a
 * TTL that is its expiry. Keys are walked with SCAN (never KEYS, which blocks Redis), on every
 * primary of a cluster; each batch is read with one MGET (one GET per key on a cluster, whose
 * keys are in different slots) and pipelined PTTLs.
 */
export async function openRedisSessionSource(options: RedisSessionSourceOptions): Promise<LegacySessionSource> {
  const prefix = options.prefix ?? 'sess:';
  const where = options.clusterNodes
    ? `the Redis Cluster at ${options.clusterNodes.join(', ')}`
    : `Redis at ${redactUrlPassword(options.url!)}`;
  const client = await connect(options, where);
  const pattern = `${escapeGlob(prefix)}*`;

  const read = async (keys: string[]): Promise<LegacySession[]> => {
    // SCAN may return a key twice (while Redis resizes its table): once per batch is enough here.
    const unique = [...new Set(keys)].filter((key) => key.length > prefix.length);
    const [values, ttls] = await Promise.all([
      client.values(unique),
      // node-redis pipelines calls made together: one round trip for the whole batch.
      Promise.all(unique.map((key) => client.pTTL(key))),
    ]);
    const now = Date.now();
    return unique.map((key, index) => {
      const ttl = ttls[index]!;
      return {
        sid: key.slice(prefix.length),
        payload: values[index],
        storeExpiry: ttl >= 0 ? new Date(now + ttl) : null,
        ended: values[index] === null || ttl === KEY_GONE,
      };
    });
  };

  return {
    description: `connect-redis (${where}, key prefix ${JSON.stringify(prefix)})`,
    async *batches(batchSize: number) {
      const pending: string[] = [];
      for await (const keys of client.scan(pattern, batchSize)) {
        pending.push(...keys);
        while (pending.length >= batchSize) yield await read(pending.splice(0, batchSize));
      }
      if (pending.length > 0) yield await read(pending);
    },
    async close() {
      client.destroy();
    },
  };
}

/** One server's keys, or a cluster's. */
async function connect(options: RedisSessionSourceOptions, where: string): Promise<SessionKeys> {
  if (!options.clusterNodes) {
    const client = (await connectClient(options.url!, where)) as RedisReader;
    return {
      scan: (pattern, count) => client.scanIterator({ MATCH: pattern, COUNT: count }),
      values: (keys) => client.mGet(keys),
      pTTL: (key) => client.pTTL(key),
      destroy: () => client.destroy(),
    };
  }
  const cluster = (await connectClient(clusterOptions(options.clusterNodes), where)) as ClusterReader;
  return {
    async *scan(pattern, count) {
      for (const master of cluster.masters) {
        const node = await cluster.nodeClient(master);
        yield* node.scanIterator({ MATCH: pattern, COUNT: count });
      }
    },
    values: (keys) => Promise.all(keys.map((key) => cluster.get(key))),
    pTTL: (key) => cluster.pTTL(key),
    destroy: () => cluster.destroy(),
  };
}

/** node-redis's Cluster options for nodes given as `host:port`; no reconnection, like a single client. */
function clusterOptions(nodes: readonly string[]) {
  const socket = { connectTimeout: 5000, reconnectStrategy: false as const };
  // Checked by importExpressSessions: every node is an address.
  const addresses = nodes.map((node) => redisAddress(node)!);
  return {
    rootNodes: addresses.map(({ host, port }) => ({ socket: { ...socket, host, port } })),
    defaults: { socket },
  };
}

/**
 * A connected client of the `redis` package (what connect-redis 8+ uses), loaded only when needed:
 * for a URL, or a Cluster client for its options.
 */
async function connectClient(target: string | ReturnType<typeof clusterOptions>, where: string): Promise<unknown> {
  const redis = await loadRedis();
  // No reconnection: a Redis that is down must fail the import, not hang it.
  const client = (
    typeof target === 'string'
      ? redis.createClient({ url: target, socket: { connectTimeout: 5000, reconnectStrategy: false } })
      : redis.createCluster(target)
  ) as Pick<RedisReader, 'connect' | 'on' | 'destroy'>;
  let lastError: Error | undefined;
  client.on('error', (error) => (lastError = error));
  try {
    await client.connect();
  } catch (error) {
    try {
      client.destroy();
    } catch {
      // Never connected: nothing to close.
    }
    const reason = (lastError ?? (error as Error))?.message ?? String(error);
    const secrets = typeof target === 'string' ? [urlPassword(target)] : [];
    throw new QSessionsCommandError(
      `Cannot read the connect-redis sessions from ${where}: ${redactSecrets(reason, secrets)}. ` +
        "Give the Redis of the express-session app's store with --source-url (or --source-cluster).",
    );
  }
  return client;
}

type RedisFactories = { createClient(options: object): unknown; createCluster(options: object): unknown };

async function loadRedis(): Promise<RedisFactories> {
  try {
    return (await import('redis')) as unknown as RedisFactories;
  } catch {
    try {
      // @keyv/redis (the cache of the cached_db engine) brings node-redis's core under this name.
      return (await import('@redis/client')) as unknown as RedisFactories;
    } catch {
      throw new QSessionsCommandError(
        'Reading connect-redis sessions needs the `redis` package (the client connect-redis uses): npm install redis.',
      );
    }
  }
}

/** The prefix as a literal in a SCAN MATCH pattern (glob characters escaped). */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
