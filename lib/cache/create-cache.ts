import { createCache, type Cache } from 'cache-manager';
import { Keyv } from 'keyv';
import type { CacheEntries } from './cache-entries.js';
import { CacheManagerEntries } from './cache-manager-entries.js';
import { RedisEntries, type RedisCommands } from './redis-entries.js';
import { deserializeKeyvData, serializeKeyvData } from './keyv-json.js';
import type { WarningSink } from '../core/warn-once.js';
import { withTimeout } from '../core/with-timeout.js';
import type { ResolvedCacheOptions } from '../options/resolved-options.js';
import { RedisKeyTracking, type TrackableRedisClient } from './redis-key-tracking.js';

/** Where the `cached_db` engine's cache came from. */
export type SessionCacheSource = 'instance' | 'redis' | 'app';

/** A cache-manager cache chosen for the `cached_db` engine, and how to let go of it. */
export interface ChosenCache {
  cache: Cache;
  /** The same cache, as the session cache reads and writes it (straight on the client for Redis). */
  entries: CacheEntries;
  source: SessionCacheSource;
  /** Redis's reports of changed keys, when the connection tracks them (`cache.nearCache`). */
  keyTracking?: RedisKeyTracking;
  /** Closes connections this library opened (never the app's own cache). */
  close(): Promise<void>;
}

/**
 * Picks a cache-manager cache, in order: the `instance` option; Redis at `redisUrl` through
 * @keyv/redis; the app's own `CACHE_MANAGER`. Null when none applies: the engine then uses its
 * own in-memory cache (see MemorySessionCache).
 */
export async function chooseCache(
  options: ResolvedCacheOptions,
  appCache: Cache | undefined,
  logger: WarningSink,
): Promise<ChosenCache | null> {
  if (options.instance) return throughCacheManager(options.instance, 'instance');
  if (options.redisUrl) {
    return connectRedisCache(options.redisUrl, options.nearCache ? { trackKeys: logger } : {});
  }
  if (appCache && options.useAppCacheManager) return throughCacheManager(appCache, 'app');
  return null;
}

function throughCacheManager(cache: Cache, source: SessionCacheSource): ChosenCache {
  return { cache, entries: new CacheManagerEntries(cache), source, close: async () => {} };
}

/**
 * The Redis cache at `url` (also for the command line, which has no app cache to fall back on).
 * With `trackKeys`, the connection speaks RESP3 and has Redis report every change to the keys it
 * read (see RedisKeyTracking); warnings about it go to that sink.
 */
export async function connectRedisCache(
  url: string,
  { trackKeys }: { trackKeys?: WarningSink } = {},
): Promise<ChosenCache> {
  const { keyv, store } = await createRedisKeyv(url, trackKeys !== undefined);
  // @keyv/redis owns the connection (connecting on first use and after an outage); the session
  // cache sends its commands on that same client, past Keyv (see RedisEntries).
  const client = () => {
    const current = store.client as unknown as RedisCommands & { isOpen: boolean };
    return current.isOpen ? current : (store.getClient() as unknown as Promise<RedisCommands>);
  };
  const keyTracking = trackKeys
    ? new RedisKeyTracking(store.client as unknown as TrackableRedisClient, trackKeys)
    : undefined;
  return {
    cache: createCache({ stores: [keyv] }),
    entries: new RedisEntries(client),
    source: 'redis',
    keyTracking,
    close: async () => {
      keyTracking?.close();
      await disconnect(store);
    },
  };
}

async function disconnect(store: { disconnect(force?: boolean): Promise<void> }): Promise<void> {
  try {
    // A graceful QUIT waits for a connection that may never come: bound it, then cut it.
    await withTimeout(store.disconnect(false), 1000, 'Closing the Redis connection');
  } catch {
    await store.disconnect(true).catch(() => undefined);
  }
}

async function createRedisKeyv(
  url: string,
  trackKeys: boolean,
): Promise<{ keyv: Keyv; store: InstanceType<(typeof import('@keyv/redis'))['default']> }> {
  let redis: typeof import('@keyv/redis');
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
  return {
    keyv: new Keyv({
      store,
      namespace: undefined,
      useKeyPrefix: false,
      serialize: serializeKeyvData,
      deserialize: deserializeKeyvData,
    }),
    store,
  };
}
