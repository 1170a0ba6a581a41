import type { Cache } from 'cache-manager';
import { isSharedCache } from './app-cache-kind.js';
import type { CacheEntries } from './cache-entries.js';
import { CacheManagerEntries } from './cache-manager-entries.js';
import { RedisEntries, type RedisCommands } from './redis-entries.js';
import type { WarningSink } from '../util/warn-once.js';
import type { QSessionsCacheOptions } from '../qsessions.options.js';
import { withTimeout } from '../util/with-timeout.js';
import { RedisKeyTracking, type TrackableRedisClient } from './redis-key-tracking.js';

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
export type CacheChoice = Pick<QSessionsCacheOptions, 'instance' | 'redisUrl' | 'nearCache' | 'useAppCacheManager'>;

/**
 * Opens the cache of the `cached_db` engine, for the app and for the commands alike: in order,
 * the `instance` given; Redis at `redisUrl` through @keyv/redis; the app's own `CACHE_MANAGER`
 * (with `useAppCacheManager: 'auto'`, only when all its stores are shared by every process: see
 * isSharedCache). Null when none applies: the engine then keeps sessions in this process's
 * memory (see createSessionCache).
 */
export async function chooseCache(
  choice: CacheChoice,
  appCache: Cache | undefined,
  logger: WarningSink,
): Promise<ChosenCache | null> {
  if (choice.instance) return throughCacheManager(choice.instance, 'instance');
  if (choice.redisUrl) return connectRedisCache(choice.redisUrl, choice.nearCache ? { trackKeys: logger } : {});
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

/**
 * The Redis cache at `url`. With `trackKeys`, the connection speaks RESP3 and has Redis report
 * every change to the keys it read (see RedisKeyTracking); warnings about it go to that sink.
 */
export async function connectRedisCache(
  url: string,
  { trackKeys }: { trackKeys?: WarningSink } = {},
): Promise<ChosenCache> {
  const { store, redis } = await createRedisStore(url, trackKeys !== undefined);
  // @keyv/redis owns the connection (connecting on first use and after an outage); the session
  // cache sends its commands on that client (see RedisEntries).
  const client = () => {
    const current = store.client as unknown as RedisCommands & { isOpen: boolean };
    return current.isOpen ? current : (store.getClient() as unknown as Promise<RedisCommands>);
  };
  const keyTracking = trackKeys ? trackOrFallBack(url, store, redis, trackKeys) : undefined;
  const lost: Array<() => void> = [];
  // The client the store holds now; the near cache's fallback may replace it once.
  for (const event of ['error', 'end', 'reconnecting']) {
    (store.client as unknown as { on(event: string, listener: () => void): unknown }).on(event, () => {
      for (const listener of lost) listener();
    });
  }
  return {
    entries: new RedisEntries(client),
    source: 'redis',
    shared: true,
    keyTracking,
    onConnectionLost: (listener) => lost.push(listener),
    close: async () => {
      keyTracking?.close();
      await disconnect(store);
    },
  };
}

type KeyvRedisModule = typeof import('@keyv/redis');
type KeyvRedisStore = InstanceType<KeyvRedisModule['default']>;

/**
 * Follows the tracking of the store's RESP3 client. A server that refuses the handshake's
 * `HELLO 3` or `CLIENT TRACKING ON` (Redis before 6, an ACL, some proxies) would never let that
 * client connect: it is then replaced, once, by a plain client like @keyv/redis makes for a URL,
 * so the cache keeps working without copies, and the reason is logged.
 */
function trackOrFallBack(
  url: string,
  store: KeyvRedisStore,
  redis: KeyvRedisModule,
  logger: WarningSink,
): RedisKeyTracking {
  const tracked = store.client as unknown as TrackableRedisClient & {
    on(event: 'error', listener: (error: unknown) => void): unknown;
    destroy(): void;
  };
  const tracking = new RedisKeyTracking(tracked);
  let replaced = false;
  tracked.on('error', (error) => {
    const message = (error as Error)?.message ?? String(error);
    if (replaced || !/\bHELLO\b|TRACKING/i.test(message)) return;
    replaced = true;
    tracking.disable();
    logger.warn(
      `Redis refused what the near cache needs (RESP3 and CLIENT TRACKING, Redis 6 or later), so every cached read ` +
        `asks Redis; set \`cache.nearCache: false\` to skip the attempt. Redis said: ${message}`,
    );
    store.client = redis.createClient({ url, socket: { reconnectStrategy: redis.defaultReconnectStrategy } }) as never;
    tracked.destroy();
  });
  return tracking;
}

async function disconnect(store: { disconnect(force?: boolean): Promise<void> }): Promise<void> {
  try {
    // A graceful QUIT waits for a connection that may never come: bound it, then cut it.
    await withTimeout(store.disconnect(false), 1000, 'Closing the Redis connection');
  } catch {
    await store.disconnect(true).catch(() => undefined);
  }
}

/** The @keyv/redis store for `url`: only its client is used, which it connects and reconnects. */
async function createRedisStore(
  url: string,
  trackKeys: boolean,
): Promise<{ store: KeyvRedisStore; redis: KeyvRedisModule }> {
  let redis: KeyvRedisModule;
  try {
    redis = await import('@keyv/redis');
  } catch (error) {
    throw new Error('nest-qsessions: `cache.redisUrl` needs the @keyv/redis package: run `npm install @keyv/redis`.', {
      cause: error,
    });
  }
  // A Redis that is down at start-up must not stop the app: sessions fall back to the database.
  const storeOptions = { throwOnConnectError: false, throwOnErrors: true, connectionTimeout: 2000 };
  const store = trackKeys
    ? // Invalidation messages arrive on the same connection as replies, which needs RESP3; the
      // reconnect strategy is the one @keyv/redis uses for a bare URL.
      new redis.default(
        { url, RESP: 3, emitInvalidate: true, socket: { reconnectStrategy: redis.defaultReconnectStrategy } },
        storeOptions,
      )
    : new redis.default(url, storeOptions);
  return { store, redis };
}
