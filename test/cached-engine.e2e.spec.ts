import request from 'supertest';
import { CACHE_MANAGER, CacheModule } from '@nestjs/cache-manager';
import type { Cache } from 'cache-manager';
import { createCache } from 'cache-manager';
import { CachedSessionStore } from '../lib/session/cached-session-store.js';
import { sessionCookie } from './support/http.js';
import { databases, type Variant } from './support/matrix.js';
import { startTestApp, storeOf, type TestApp } from './support/test-app.js';
import { digest } from './support/digest.js';

async function newSession(t: TestApp): Promise<string> {
  const response = await request(t.url).get('/modify_session').set('User-Agent', 'CacheTest/1.0').expect(200);
  return sessionCookie(response.headers)!.value;
}

function readAs(t: TestApp, key: string) {
  return request(t.url).get('/read_session').set('Cookie', `sessionid=${key}`).set('User-Agent', 'CacheTest/1.0');
}

const memoryVariant = (database: Variant['database']): Variant => ({
  name: `cached_db/${database}`,
  database,
  engine: 'cached_db',
  cache: 'memory',
  adapter: 'express',
});

describe.each(databases)('cached_db cache sources on %s', (database) => {
  describe("the app's own CACHE_MANAGER", () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(memoryVariant(database), {
        imports: [CacheModule.register({ isGlobal: true })],
        qsessions: { cache: { useAppCacheManager: true } },
      });
    });
    afterAll(() => t?.close());

    it('stores sessions in the cache the app registered', async () => {
      const key = await newSession(t);
      const appCache = t.app.get<Cache>(CACHE_MANAGER);
      const cached = await appCache.get<{ d: string }>(`${t.cacheKeyPrefix}s:${digest(key)}`);
      expect(cached?.d).toBe('{"FOO":"BAR"}');
      t.queries.reset();
      await readAs(t, key).expect(200, { FOO: 'BAR' });
      expect(t.queries.reads).toEqual([]);
    });
  });

  describe('a cache given as `cache.instance`', () => {
    const instance = createCache();
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(memoryVariant(database), { qsessions: { cache: { instance } } });
    });
    afterAll(() => t?.close());

    it('is used as is', async () => {
      expect(storeOf(t)).toBeInstanceOf(CachedSessionStore);
      const key = await newSession(t);
      expect(await instance.get(`${t.cacheKeyPrefix}s:${digest(key)}`)).toBeDefined();
    });

    it('refills itself from the database after a miss', async () => {
      const key = await newSession(t);
      await instance.del(`${t.cacheKeyPrefix}s:${digest(key)}`);
      t.queries.reset();
      await readAs(t, key).expect(200, { FOO: 'BAR' });
      expect(t.queries.reads).toHaveLength(1);
      t.queries.reset();
      await readAs(t, key).expect(200, { FOO: 'BAR' });
      expect(t.queries.reads).toEqual([]);
    });

    it('never serves a revoked session again, even if a late write puts it back in the cache', async () => {
      const key = await newSession(t);
      const recordKey = `${t.cacheKeyPrefix}s:${digest(key)}`;
      const snapshot = await instance.get(recordKey);
      const store = storeOf(t) as CachedSessionStore;
      expect(await store.delete([digest(key)])).toBe(1);
      // A request that read the row just before the revocation writes its copy back late.
      await instance.set(recordKey, snapshot);
      await readAs(t, key).expect(200, {});
    });
  });

  describe('a Redis cache that cannot be reached', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(
        { ...memoryVariant(database), cache: 'redis' },
        // Port 9 (discard) has nothing listening on these machines.
        { qsessions: { cache: { redisUrl: 'redis://127.0.0.1:9', timeoutMs: 100 } } },
      );
    });
    afterAll(() => t?.close());

    it('serves sessions from the database instead of failing', async () => {
      const key = await newSession(t);
      await readAs(t, key).expect(200, { FOO: 'BAR' });
      await request(t.url)
        .post('/clear')
        .set('Cookie', `sessionid=${key}`)
        .set('User-Agent', 'CacheTest/1.0')
        .expect(200);
      await readAs(t, key).expect(200, {});
    });
  });
});
