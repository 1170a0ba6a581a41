import type { Cache } from 'cache-manager';
import { isSharedCache } from './app-cache-kind.js';
import type { CacheEntries } from './cache-entries.js';
import { CacheManagerEntries } from './cache-manager-entries.js';
import { RedisEntries, type RedisCommands } from './redis-entries.js';
import type { WarningSink } from '../util/warn-once.js';
import type { QSessionsCacheOptions } from '../qsessions.options.js';
import { withTimeout } from '../util/with-timeout.js';
import { RedisKeyTracking, type TrackableRedisClient } from './redis-key-tracking.js';
import { redisTargetOf, redisTargetOption, type RedisTarget } from '../options/redis-target.js';
import type { ResolvedClusterOptions } from '../options/resolve-cluster.js';
import type { ResolvedSentinelOptions } from '../options/resolve-sentinel.js';
import {
  clusterClientOptions,
  loadKeyvRedis,
  primaryCredentials,
  sentinelClientOptions,
  type KeyvRedisModule,
} from './redis-connection.js';
import {
  BroadcastTrackingClient,
  followCluster,
  followSentinel,
  type ClusterEvents,
  type SentinelEvents,
} from './broadcast-tracking-client.js';
import { RedisClusterEntries, type ClusterPrimaries } from './redis-cluster-entries.js';

/** Where the `cached_db` engine's cache came from. */
export type SessionCacheSource = 'instance' | 'redis' | 'app';

/** The cache chosen for the `cached_db` engine, and how to let go of it. */
export interface ChosenCache {
  /** The cache-manager cache, when it is one (`instance`, the app's `CACHE_MANAGER`). */
  cache?: Cache;
  /** The adapter the session cache reads and writes through. */
  entries: CacheEntries;
  source: SessionCacheSource;
  /** Whether every process of the app sees the same entries (Redis, a cache-manager cache over a server). */
  shared: boolean;
  /** Redis's reports of changed keys, when the connection tracks them (`cache.nearCache`). */
  keyTracking?: RedisKeyTracking;
  /** Subscribes to the loss of the connection (Redis): the server may have lost data, so it is distrusted. */
  onConnectionLost?(listener: () => void): void;
  /** Closes connections this library opened (never the app's own cache). */
  close(): Promise<void>;
}

/** Where a cache may come from: the module's `cache` options, or a command's flags. */
export type CacheChoice = Pick<QSessionsCacheOptions, 'instance' | 'redisUrl' | 'nearCache' | 'useAppCacheManager'> & {
  sentinel?: ResolvedSentinelOptions;
  cluster?: ResolvedClusterOptions;
  /** The prefix of the session keys (what a near cache behind Sentinel or on a cluster asks Redis to report on). */
  keyPrefix?: string;
};

/**
 * Opens the cache of the `cached_db` engine, for the app and for the commands alike: in order,
 * the `instance` given; Redis at `redisUrl` or behind `sentinel` through @keyv/redis; the app's
 * own `CACHE_MANAGER` (with `useAppCacheManager: 'auto'`, only when all its stores are shared by
 * every process: see isSharedCache). Null when none applies: the engine then keeps sessions in
 * this process's memory (see createSessionCache).
 */
export async function chooseCache(
  choice: CacheChoice,
  appCache: Cache | undefined,
  logger: WarningSink,
): Promise<ChosenCache | null> {
  if (choice.instance) return throughCacheManager(choice.instance, 'instance');
  const target = redisTargetOf(choice);
  if (target) {
    const trackKeys = choice.nearCache ? { logger, keyPrefix: choice.keyPrefix ?? '' } : undefined;
    return connectRedisCache(target, { trackKeys });
  }
  // 'auto' declines an app cache that keeps entries in the process: cache-manager's default store
  // grows without bound and is private to each process, worse on both counts than the library's own.
  const takeAppCache = choice.useAppCacheManager ?? 'auto';
  if (!appCache || !(takeAppCache === 'auto' ? isSharedCache(appCache) : takeAppCache)) return null;
  return throughCacheManager(appCache, 'app');
}

function throughCacheManager(cache: Cache, source: SessionCacheSource): ChosenCache {
  return {
    cache,
    entries: new CacheManagerEntries(cache),
    source,
    shared: isSharedCache(cache),
    close: async () => {},
  };
}

/** How a Redis cache's near cache learns of changes (`cache.nearCache`). */
export interface KeyTrackingSettings {
  /** Where warnings about it go. */
  logger: WarningSink;
  /** The session keys' prefix: behind Sentinel, Redis reports every change under it. */
  keyPrefix: string;
}

/**
 * The Redis cache at `target` (a URL, or Sentinel; a bare string is a URL). With `trackKeys`,
 * Redis reports every change to the keys this process may hold copies of (see RedisKeyTracking).
 */
export async function connectRedisCache(
  target: RedisTarget | string,
  { trackKeys }: { trackKeys?: KeyTrackingSettings } = {},
): Promise<ChosenCache> {
  const to = typeof target === 'string' ? { url: target } : target;
  const redis = await loadKeyvRedis(redisTargetOption(to));
  const store = createRedisStore(redis, to, trackKeys !== undefined);
  // @keyv/redis owns the connection (connecting on first use and after an outage); the session
  // cache sends its commands on that client (see RedisEntries). Callers wait for a connect in
  // progress: a Cluster client says it is open while it is still learning the slots.
  let connecting: Promise<unknown> | null = null;
  const client = (): RedisCommands | Promise<RedisCommands> => {
    const current = store.client as unknown as RedisCommands & { isOpen: boolean };
    if (current.isOpen && !connecting) return current;
    connecting ??= store.getClient().finally(() => (connecting = null));
    return connecting.then(() => store.client as unknown as RedisCommands);
  };
  // Connected now rather than by the first request, which would otherwise wait for it (a
  // cluster's client also learns the slots first) and may run out of `cache.timeoutMs`.
  void Promise.resolve(client()).catch(() => undefined);
  const tracking = trackKeys ? trackOrFallBack(to, store, redis, trackKeys) : undefined;
  const lost: Array<() => void> = [];
  onConnectionLoss(store.client as unknown as EventSource, to, () => {
    for (const listener of lost) listener();
  });
  const entries =
    'cluster' in to
      ? new RedisClusterEntries(client, () => store.client as unknown as ClusterPrimaries)
      : new RedisEntries(client);
  return {
    entries,
    source: 'redis',
    shared: true,
    keyTracking: tracking?.keyTracking,
    onConnectionLost: (listener) => lost.push(listener),
    close: async () => {
      tracking?.close();
      await disconnect(store);
    },
  };
}

interface EventSource {
  on(event: string, listener: (event?: { type?: string }) => void): unknown;
}

/**
 * Calls `listener` whenever the cache's connection is lost (the server may have lost data since):
 * a plain client's error, end or reconnection; a cluster node's; behind Sentinel, a new primary
 * or a failing one.
 */
function onConnectionLoss(client: EventSource, target: RedisTarget, listener: () => void): void {
  if ('url' in target) {
    for (const event of ['error', 'end', 'reconnecting']) client.on(event, listener);
    return;
  }
  if ('cluster' in target) {
    for (const event of ['error', 'node-error', 'node-reconnecting', 'node-disconnect']) client.on(event, listener);
    return;
  }
  client.on('error', listener);
  client.on('client-error', (event) => event?.type === 'MASTER' && listener());
  // The first primary is reported as a change too, when the client connects: nothing was lost then.
  let primaries = 0;
  client.on('topology-change', (event) => event?.type === 'MASTER_CHANGE' && primaries++ > 0 && listener());
}

type KeyvRedisStore = InstanceType<KeyvRedisModule['default']>;

/** The near cache's tracking, and how to stop it. */
interface Tracking {
  keyTracking: RedisKeyTracking;
  close(): void;
}

/**
 * Follows the tracking of changes for the near cache: on a URL's own connection (RESP3, see
 * createRedisStore); behind Sentinel, on a connection of its own to the primary (see
 * SentinelTrackingClient). A server that refuses `HELLO 3` or `CLIENT TRACKING` (Redis before 6,
 * an ACL, some proxies) gets one warning and the cache goes on without copies: for a URL, the
 * store's client (which would never connect) is replaced, once, by a plain one like @keyv/redis
 * makes for a URL.
 */
function trackOrFallBack(
  target: RedisTarget,
  store: KeyvRedisStore,
  redis: KeyvRedisModule,
  { logger, keyPrefix }: KeyTrackingSettings,
): Tracking {
  let tracked: TrackableRedisClient & ErrorSource & { destroy(): void };
  let stopFollowing = () => {};
  if ('url' in target) {
    tracked = store.client as unknown as typeof tracked;
  } else if ('sentinel' in target) {
    const connections = new BroadcastTrackingClient(redis, primaryCredentials(target.sentinel), keyPrefix);
    followSentinel(connections, store.client as unknown as SentinelEvents);
    tracked = connections;
  } else {
    const { username, password } = target.cluster;
    const connections = new BroadcastTrackingClient(redis, { username, password }, keyPrefix);
    stopFollowing = followCluster(connections, store.client as unknown as ClusterEvents);
    tracked = connections;
  }
  const keyTracking = new RedisKeyTracking(tracked);
  let refused = false;
  tracked.on('error', (error) => {
    const message = (error as Error)?.message ?? String(error);
    if (refused || !/\bHELLO\b|TRACKING/i.test(message)) return;
    refused = true;
    keyTracking.disable();
    logger.warn(
      `Redis refused what the near cache needs (RESP3 and CLIENT TRACKING, Redis 6 or later), so every cached read ` +
        `asks Redis; set \`cache.nearCache: false\` to skip the attempt. Redis said: ${message}`,
    );
    if ('url' in target) {
      const socket = { reconnectStrategy: redis.defaultReconnectStrategy };
      store.client = redis.createClient({ url: target.url, socket }) as never;
    }
    tracked.destroy();
  });
  return {
    keyTracking,
    close: () => {
      stopFollowing();
      keyTracking.close();
      if (!('url' in target)) tracked.destroy();
    },
  };
}

interface ErrorSource {
  on(event: 'error', listener: (error: unknown) => void): unknown;
}

async function disconnect(store: { disconnect(force?: boolean): Promise<void> }): Promise<void> {
  try {
    // A graceful QUIT waits for a connection that may never come: bound it, then cut it.
    await withTimeout(store.disconnect(false), 1000, 'Closing the Redis connection');
  } catch {
    await store.disconnect(true).catch(() => undefined);
  }
}

/** The @keyv/redis store for `target`: only its client is used, which it connects and reconnects. */
function createRedisStore(redis: KeyvRedisModule, target: RedisTarget, trackKeys: boolean): KeyvRedisStore {
  // A Redis that is down at start-up must not stop the app: sessions fall back to the database.
  const storeOptions = { throwOnConnectError: false, throwOnErrors: true, connectionTimeout: 2000 };
  if ('sentinel' in target) return new redis.default(sentinelClientOptions(target.sentinel), storeOptions);
  if ('cluster' in target) return new redis.default(clusterClientOptions(target.cluster), storeOptions);
  if (!trackKeys) return new redis.default(target.url, storeOptions);
  // Reports of changes arrive on the same connection as replies, which needs RESP3; the
  // reconnect strategy is the one @keyv/redis uses for a bare URL.
  const socket = { reconnectStrategy: redis.defaultReconnectStrategy };
  return new redis.default({ url: target.url, RESP: 3, emitInvalidate: true, socket }, storeOptions);
}
