import { createCache, type Cache } from 'cache-manager';
import { Keyv } from 'keyv';
import { isSharedCache } from './app-cache-kind.js';
import type { CacheEntries } from './cache-entries.js';
import { CacheManagerEntries } from './cache-manager-entries.js';
import { RedisEntries, type RedisCommands } from './redis-entries.js';
import { deserializeKeyvData, serializeKeyvData } from './keyv-json.js';
import type { WarningSink } from '../util/warn-once.js';
import { withTimeout } from '../util/with-timeout.js';
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
  /**
   * Subscribes to the loss of the connection to the cache (Redis at `redisUrl`): the server may
   * have restarted and lost data, so what it holds is distrusted until checked.
   */
  onConnectionLost?(listener: () => void): void;
  /** Closes connections this library opened (never the app's own cache). */
  close(): Promise<void>;
}

/**
 * Picks a cache-manager cache, in order: the `instance` option; Redis at `redisUrl` through
 * @keyv/redis; the app's own `CACHE_MANAGER` (with `useAppCacheManager: 'auto'`, only when all
 * its stores are shared by every process: see isSharedCache). Null when none applies: the engine
 * then uses its own bounded in-memory cache (see MemorySessionCache).
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
  if (appCache && usesAppCache(options.useAppCacheManager, appCache)) return throughCacheManager(appCache, 'app');
  return null;
}

/**
 * Whether the app's cache is taken. 'auto' declines one that keeps entries in the process:
 * cache-manager's default store grows without bound and is private to each process, worse on
 * both counts than the library's own cache.
 */
function usesAppCache(setting: ResolvedCacheOptions['useAppCacheManager'], appCache: Cache): boolean {
  return setting === 'auto' ? isSharedCache(appCache) : setting;
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
  const { keyv, store, redis } = await createRedisKeyv(url, trackKeys !== undefined);
  // @keyv/redis owns the connection (connecting on first use and after an outage); the session
  // cache sends its commands on that same client, past Keyv (see RedisEntries).
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
    cache: createCache({ stores: [keyv] }),
    entries: new RedisEntries(client),
    source: 'redis',
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

async function createRedisKeyv(
  url: string,
  trackKeys: boolean,
): Promise<{ keyv: Keyv; store: KeyvRedisStore; redis: KeyvRedisModule }> {
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
  return {
    keyv: new Keyv({
      store,
      namespace: undefined,
      useKeyPrefix: false,
      serialize: serializeKeyvData,
      deserialize: deserializeKeyvData,
    }),
    store,
    redis,
  };
}
