import { createCache, type Cache } from 'cache-manager';
import { CacheableMemory, Keyv } from 'cacheable';
import { withTimeout } from '../core/with-timeout.js';
import type { ResolvedCacheOptions } from '../options/resolved-options.js';

/** Where the `cached_db` engine's cache came from. */
export type SessionCacheSource = 'instance' | 'redis' | 'app' | 'memory';

/** A cache-manager cache chosen for the `cached_db` engine, and how to let go of it. */
export interface ChosenCache {
  cache: Cache;
  source: SessionCacheSource;
  /** Closes connections this library opened (never the app's own cache). */
  close(): Promise<void>;
}

/**
 * Picks the cache, in order: the `instance` option; Redis at `redisUrl` through @keyv/redis;
 * the app's own `CACHE_MANAGER`; else a bounded in-memory LRU cache of this process.
 */
export async function chooseCache(options: ResolvedCacheOptions, appCache: Cache | undefined): Promise<ChosenCache> {
  if (options.instance) return { cache: options.instance, source: 'instance', close: async () => {} };
  if (options.redisUrl) {
    const { keyv, store } = await createRedisKeyv(options.redisUrl);
    const cache = createCache({ stores: [keyv] });
    const close = async () => {
      try {
        // A graceful QUIT waits for a connection that may never come: bound it, then cut it.
        await withTimeout(store.disconnect(false), 1000, 'Closing the Redis connection');
      } catch {
        await store.disconnect(true).catch(() => undefined);
      }
    };
    return { cache, source: 'redis', close };
  }
  if (appCache && options.useAppCacheManager) return { cache: appCache, source: 'app', close: async () => {} };
  // keyv's default store is an unbounded Map: bound it so that sessions cannot exhaust memory.
  const store = new CacheableMemory({ lruSize: options.maxEntries });
  const cache = createCache({ stores: [new Keyv({ store })] });
  return { cache, source: 'memory', close: async () => store.clear() };
}

async function createRedisKeyv(
  url: string,
): Promise<{ keyv: Keyv; store: { disconnect(force?: boolean): Promise<void> } }> {
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
  return { keyv: new Keyv({ store, namespace: undefined, useKeyPrefix: false }), store };
}
