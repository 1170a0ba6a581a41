import KeyvRedis, { createKeyv } from '@keyv/redis';
import { createCache, type Cache } from 'cache-manager';
import { Cacheable, CacheableMemory, KeyvCacheableMemory } from 'cacheable';
import { Keyv } from 'keyv';
import { isSharedCache } from '../lib/cache/app-cache-kind.js';
import { chooseCache } from '../lib/cache/create-cache.js';
import { resolveOptions } from '../lib/options/resolve-options.js';
import type { QSessionsCacheOptions } from '../lib/qsessions.options.js';

// Real cache-manager caches over real Keyv stores. The Redis stores are built from a URL and never
// used, so they open no connection: what is judged is what the app's cache is made of.
const REDIS_URL = 'redis://127.0.0.1:6379';
const redisKeyv = () => new Keyv({ store: new KeyvRedis(REDIS_URL) });

describe('isSharedCache: whether every process of the app sees the same entries', () => {
  it.each<[string, () => Cache]>([
    ["cache-manager's default (Keyv's in-memory Map)", () => createCache()],
    ['a Keyv over a new Map()', () => createCache({ stores: [new Keyv({ store: new Map() })] })],
    ["Keyv's default store", () => createCache({ stores: [new Keyv()] })],
    [
      "cacheable's KeyvCacheableMemory",
      () => createCache({ stores: [new Keyv({ store: new KeyvCacheableMemory() })] }),
    ],
    [
      "cacheable's CacheableMemory (an LRU)",
      () => createCache({ stores: [new Keyv({ store: new CacheableMemory() })] }),
    ],
    [
      'memory in front of Redis (reads answered by the memory tier)',
      () => createCache({ stores: [new Keyv(), redisKeyv()] }),
    ],
    ['Redis in front of memory', () => createCache({ stores: [redisKeyv(), new Keyv()] })],
    [
      // @nestjs/cache-manager passes a Cacheable through as a store as it is.
      'a Cacheable (in-memory primary, Redis secondary), as @nestjs/cache-manager takes it',
      () => createCache({ stores: [new Cacheable({ secondary: redisKeyv() }) as unknown as Keyv] }),
    ],
    [
      'a store this library does not know',
      () => createCache({ stores: [new Keyv({ store: new (class Custom extends Map {})() })] }),
    ],
  ])('is false for %s', (_label, build) => {
    expect(isSharedCache(build())).toBe(false);
  });

  it.each<[string, () => Cache]>([
    ["@keyv/redis's KeyvRedis", () => createCache({ stores: [redisKeyv()] })],
    ["@keyv/redis's createKeyv()", () => createCache({ stores: [createKeyv(REDIS_URL)] })],
    ['two Redis tiers', () => createCache({ stores: [redisKeyv(), redisKeyv()] })],
    [
      'a subclass of KeyvRedis',
      () => createCache({ stores: [new Keyv({ store: new (class extends KeyvRedis<unknown> {})(REDIS_URL) })] }),
    ],
  ])('is true for %s', (_label, build) => {
    expect(isSharedCache(build())).toBe(true);
  });
});

describe("chooseCache and the app's CACHE_MANAGER", () => {
  const logger = { warn: () => undefined };
  const settings = (cache: QSessionsCacheOptions) => resolveOptions({ engine: 'cached_db', cache }).cache;
  const inProcess = createCache();
  const shared = createCache({ stores: [redisKeyv()] });

  it("by default ('auto') takes a shared app cache and passes over an in-process one", async () => {
    expect(settings({}).useAppCacheManager).toBe('auto');
    expect((await chooseCache(settings({}), shared, logger))?.cache).toBe(shared);
    expect(await chooseCache(settings({}), inProcess, logger)).toBeNull();
  });

  it('with true takes the app cache whatever its store', async () => {
    const chosen = await chooseCache(settings({ useAppCacheManager: true }), inProcess, logger);
    expect(chosen?.cache).toBe(inProcess);
    expect(chosen?.source).toBe('app');
  });

  it('with false never takes it', async () => {
    expect(await chooseCache(settings({ useAppCacheManager: false }), shared, logger)).toBeNull();
  });
});
