import request from 'supertest';
import { jest } from '@jest/globals';
import KeyvRedis from '@keyv/redis';
import { CACHE_MANAGER, CacheModule } from '@nestjs/cache-manager';
import type { Cache } from 'cache-manager';
import type { KeyValueSessionCache } from '../lib/cache/key-value-session-cache.js';
import { MemoryEntries } from '../lib/cache/memory-entries.js';
import { QSESSIONS_SESSION_CACHE } from '../lib/qsessions.constants.js';
import type { QSessionsCacheOptions } from '../lib/qsessions.options.js';
import { sessionCookie } from './support/http.js';
import { caches, databases, redisUrl, type Variant } from './support/matrix.js';
import { Logger, startTestApp, type TestApp } from './support/test-app.js';
import { IntUser } from './support/users.js';

// The cached_db engine and the app's own CACHE_MANAGER (@nestjs/cache-manager's CacheModule).
// By default ('auto') an in-process app cache, unbounded and private to each process, is passed
// over for the library's own bounded cache; a shared one (Redis) is reused.

const variant: Variant = {
  name: 'cached_db',
  database: databases[0]!,
  engine: 'cached_db',
  cache: 'memory',
  adapter: 'express',
};

interface Started {
  t: TestApp;
  logs: string[];
  warnings: string[];
}

/**
 * Starts the app with a global CacheModule, recording what Nest's loggers said meanwhile.
 * `useAppCacheManager: undefined` stands for the library's default (the test app otherwise sets
 * false); `several` starts it as PM2 would start one of several instances.
 */
async function startWithAppCache(
  cacheModule: ReturnType<typeof CacheModule.register>,
  cache: QSessionsCacheOptions,
  several = false,
): Promise<Started> {
  const logs: string[] = [];
  const warnings: string[] = [];
  const log = jest
    .spyOn(Logger.prototype, 'log')
    .mockImplementation((message: unknown) => void logs.push(String(message)));
  const warn = jest
    .spyOn(Logger.prototype, 'warn')
    .mockImplementation((message: unknown) => void warnings.push(String(message)));
  const instanceBefore = process.env.NODE_APP_INSTANCE;
  if (several) process.env.NODE_APP_INSTANCE = '0';
  else delete process.env.NODE_APP_INSTANCE;
  try {
    const t = await startTestApp(variant, { imports: [cacheModule], qsessions: { cache } });
    return { t, logs, warnings };
  } finally {
    if (instanceBefore === undefined) delete process.env.NODE_APP_INSTANCE;
    else process.env.NODE_APP_INSTANCE = instanceBefore;
    log.mockRestore();
    warn.mockRestore();
  }
}

/** Signs a new user in; returns the session cookie's value. */
async function signIn(t: TestApp): Promise<string> {
  const user = await t.dataSource.getRepository(IntUser).save({ username: `u${Date.now()}${Math.random()}` });
  const response = await request(t.url).post('/login').send({ userId: user.id }).expect(200);
  return sessionCookie(response.headers)!.value;
}

/** The database reads of the second of two reads of the session: none when a cache serves it. */
async function databaseReadsOfRepeatedRead(t: TestApp, key: string): Promise<string[]> {
  const read = () => request(t.url).get('/read_session').set('Cookie', `sessionid=${key}`).expect(200);
  await read();
  t.queries.reset();
  await read();
  return t.queries.reads;
}

/** The app cache's in-memory Map entries whose keys are this app's session keys. */
function sessionKeysIn(t: TestApp): string[] {
  const appCache = t.app.get<Cache>(CACHE_MANAGER);
  const map = appCache.stores[0]!.store as Map<string, unknown>;
  return [...map.keys()].filter((key) => key.includes(t.cacheKeyPrefix));
}

const DECLINED = /not the app's CACHE_MANAGER.*`cache: \{ useAppCacheManager: true \}`.*`cache: \{ redisUrl \}`/;

describe("cached_db and an in-process app CACHE_MANAGER (cache-manager's default store)", () => {
  describe('with the default options', () => {
    let started: Started;
    beforeAll(async () => {
      started = await startWithAppCache(CacheModule.register({ isGlobal: true }), { useAppCacheManager: undefined });
    });
    afterAll(() => started?.t.close());

    it("uses the library's own cache and leaves the app cache without session keys", async () => {
      const { t } = started;
      expect(t.app.get<KeyValueSessionCache>(QSESSIONS_SESSION_CACHE).entries).toBeInstanceOf(MemoryEntries);
      expect(await databaseReadsOfRepeatedRead(t, await signIn(t))).toEqual([]);
      expect(sessionKeysIn(t)).toEqual([]);
    });

    it('says so once at start-up, with how to opt in or use Redis', () => {
      expect(started.logs.filter((line) => DECLINED.test(line))).toHaveLength(1);
      expect(started.logs.filter((line) => line.startsWith('cached_db engine using'))).toHaveLength(1);
      expect(started.warnings).toEqual([]);
    });
  });

  describe('with useAppCacheManager: true, as one of several processes', () => {
    let started: Started;
    beforeAll(async () => {
      started = await startWithAppCache(CacheModule.register({ isGlobal: true }), { useAppCacheManager: true }, true);
    });
    afterAll(() => started?.t.close());

    it('stores sessions in the app cache', async () => {
      const { t } = started;
      expect(t.app.get<KeyValueSessionCache>(QSESSIONS_SESSION_CACHE).entries).not.toBeInstanceOf(MemoryEntries);
      await signIn(t);
      expect(sessionKeysIn(t).length).toBeGreaterThan(0);
    });

    it('warns that the app cache is private to each process', () => {
      expect(started.logs.some((line) => DECLINED.test(line))).toBe(false);
      const warnings = started.warnings.filter((line) => /several processes/.test(line));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/^cached_db with the app's CACHE_MANAGER \(`useAppCacheManager: true`\)/);
    });
  });

  describe('with the default options, as one of several processes', () => {
    let started: Started;
    beforeAll(async () => {
      started = await startWithAppCache(
        CacheModule.register({ isGlobal: true }),
        { useAppCacheManager: undefined },
        true,
      );
    });
    afterAll(() => started?.t.close());

    it("warns about the library's own in-memory cache", () => {
      const warnings = started.warnings.filter((line) => /several processes/.test(line));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/^cached_db with the in-memory cache/);
    });
  });
});

(caches.includes('redis') ? describe : describe.skip)('cached_db and a Redis-backed app CACHE_MANAGER', () => {
  let started: Started;
  beforeAll(async () => {
    const cacheModule = CacheModule.register({ isGlobal: true, stores: [new KeyvRedis(redisUrl)] });
    started = await startWithAppCache(cacheModule, { useAppCacheManager: undefined }, true);
  });
  afterAll(() => started?.t.close());

  it('reuses it by default, with no warning', async () => {
    const { t, logs, warnings } = started;
    expect(t.app.get<KeyValueSessionCache>(QSESSIONS_SESSION_CACHE).entries).not.toBeInstanceOf(MemoryEntries);
    expect(logs).toContain("cached_db engine using the app's CACHE_MANAGER.");
    expect(warnings.filter((line) => /several processes/.test(line))).toEqual([]);

    expect(await databaseReadsOfRepeatedRead(t, await signIn(t))).toEqual([]);
    const redis = t.app.get<Cache>(CACHE_MANAGER).stores[0]!.store as KeyvRedis<unknown>;
    const client = await redis.getClient();
    const keys = await client.keys(`*${t.cacheKeyPrefix}*`);
    expect(keys.length).toBeGreaterThan(0);
    await client.del(keys);
  });
});
