import type { RedisTarget } from '../options/redis-target.js';
import type { ResolvedClusterOptions } from '../options/resolve-cluster.js';
import type { ResolvedSentinelOptions } from '../options/resolve-sentinel.js';

/** The @keyv/redis module, which also re-exports node-redis's client factories. */
export type KeyvRedisModule = typeof import('@keyv/redis');

/** Loads @keyv/redis, or says which option needs it and how to install it. */
export async function loadKeyvRedis(option: string): Promise<KeyvRedisModule> {
  try {
    return await import('@keyv/redis');
  } catch (error) {
    throw new Error(`nest-qsessions: ${option} needs the @keyv/redis package: run \`npm install @keyv/redis\`.`, {
      cause: error,
    });
  }
}

/** Settings of the connections to the Redis servers themselves (not to the sentinels). */
export interface RedisNodeSettings {
  /** Fail a command at once while disconnected, rather than queue it (publishers). */
  disableOfflineQueue?: boolean;
  connectTimeout?: number;
}

/**
 * A node-redis client for `target`: a plain client for a URL; for Sentinel, node-redis's Sentinel
 * client, which asks the sentinels for the primary, sends every command there, and follows a
 * failover by itself; for a cluster, its Cluster client, which sends each command to the primary
 * of its key's slot. They take the same commands, so callers need not know which they hold.
 */
export function createRedisClient(redis: KeyvRedisModule, target: RedisTarget, settings: RedisNodeSettings): unknown {
  const socket = { reconnectStrategy: redis.defaultReconnectStrategy, connectTimeout: settings.connectTimeout ?? 2000 };
  if ('url' in target) {
    return redis.createClient({ url: target.url, disableOfflineQueue: settings.disableOfflineQueue, socket });
  }
  if ('cluster' in target) return redis.createCluster(clusterClientOptions(target.cluster, settings));
  return redis.createSentinel(sentinelClientOptions(target.sentinel, settings));
}

/** node-redis's Cluster options for `cache.cluster`: every command to the primary of its key's slot. */
export function clusterClientOptions(cluster: ResolvedClusterOptions, settings: RedisNodeSettings = {}) {
  const connectTimeout = settings.connectTimeout ?? 2000;
  return {
    rootNodes: cluster.rootNodes.map(({ host, port }) => ({ socket: { host, port, connectTimeout } })),
    defaults: {
      username: cluster.username,
      password: cluster.password,
      disableOfflineQueue: settings.disableOfflineQueue,
      socket: { connectTimeout },
    },
    useReplicas: false,
  };
}

/** node-redis's Sentinel options for `cache.sentinel`: one connection to the primary, none to replicas. */
export function sentinelClientOptions(sentinel: ResolvedSentinelOptions, settings: RedisNodeSettings = {}) {
  return {
    name: sentinel.name,
    sentinelRootNodes: sentinel.sentinels,
    nodeClientOptions: {
      ...primaryCredentials(sentinel),
      disableOfflineQueue: settings.disableOfflineQueue,
      socket: { connectTimeout: settings.connectTimeout ?? 2000 },
    },
    sentinelClientOptions: {
      username: sentinel.sentinelUsername,
      password: sentinel.sentinelPassword,
      socket: { connectTimeout: settings.connectTimeout ?? 2000 },
    },
    masterPoolSize: 1,
    replicaPoolSize: 0,
  };
}

/** The credentials and database of the primary (and of any connection opened to it directly). */
export function primaryCredentials(sentinel: ResolvedSentinelOptions): {
  username?: string;
  password?: string;
  database?: number;
} {
  return { username: sentinel.username, password: sentinel.password, database: sentinel.database };
}
