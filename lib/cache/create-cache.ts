import { createCache, type Cache } from 'cache-manager';
import { Keyv } from 'keyv';
import type { CacheEntries } from './cache-entries.js';
import { CacheManagerEntries } from './cache-manager-entries.js';
import { RedisEntries, type RedisCommands } from './redis-entries.js';
import { deserializeKeyvData, serializeKeyvData } from './keyv-json.js';
import { withTimeout } from '../core/with-timeout.js';
import type { ResolvedCacheOptions } from '../options/resolved-options.js';

/** Where the `cached_db` engine's cache came from. */
export type SessionCacheSource = 'instance' | 'redis' | 'app';

/** A cache-manager cache chosen for the `cached_db` engine, and how to let go of it. */
export interface ChosenCache {
  cache: Cache;
  /** The same cache, as the session cache reads and writes it (straight on the client for Redis). */
  entries: CacheEntries;
  source: SessionCacheSource;
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
): Promise<ChosenCache | null> {
  if (options.instance) return throughCacheManager(options.instance, 'instance');
  if (options.redisUrl) {
    return connectRedisCache(options.redisUrl);
  }
  if (appCache && options.useAppCacheManager) return throughCacheManager(appCache, 'app');
  return null;
}

function throughCacheManager(cache: Cache, source: SessionCacheSource): ChosenCache {
  return { cache, entries: new CacheManagerEntries(cache), source, close: async () => {} };
}

/** The Redis cache at `url`, for the command line (which has no app cache to fall back on). */
export async function connectRedisCache(url: string): Promise<ChosenCache> {
  const { keyv, store } = await createRedisKeyv(url);
  // @keyv/redis owns the connection (connecting on first use and after an outage); the session
  // cache sends its commands on that same client, past Keyv (see RedisEntries).
  const client = () => {
    const current = store.client as unknown as RedisCommands & { isOpen: boolean };
    return current.isOpen ? current : (store.getClient() as unknown as Promise<RedisCommands>);
  };
  return {
    cache: createCache({ stores: [keyv] }),
    entries: new RedisEntries(client),
    source: 'redis',
    close: () => disconnect(store),
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
  const store = new redis.default(url, { throwOnConnectError: false, throwOnErrors: true, connectionTimeout: 2000 });
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
