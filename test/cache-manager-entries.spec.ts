import KeyvRedis from '@keyv/redis';
import { createCache } from 'cache-manager';
import { Keyv } from 'keyv';
import { CacheManagerEntries } from '../lib/cache/cache-manager-entries.js';
import { DataSource } from 'typeorm';
import { CacheKeys } from '../lib/cache/cache-keys.js';
import { KeyValueSessionCache } from '../lib/cache/key-value-session-cache.js';
import { QSessionRevocation } from '../lib/typeorm/qsession-revocation.entity.js';
import { TypeOrmRevocationLedger } from '../lib/typeorm/typeorm-revocation-ledger.js';

// The session cache's key-value port over a cache-manager cache (`cache.instance`, the app's
// CACHE_MANAGER, the maintenance commands). cache-manager answers some store failures with an
// event instead of an error: the port must still fail them, or the session cache would take an
// unreachable cache for an empty one.

describe('CacheManagerEntries', () => {
  it('stores, reads back in order, and deletes, with or without a lifetime', async () => {
    const cache = createCache();
    const entries = new CacheManagerEntries(cache);
    await entries.setMany([
      { key: 'a', value: { d: '{}' }, ttlMs: 60_000 },
      { key: 'b', value: 1 },
    ]);
    await entries.setMany([{ key: 'c', value: 'one entry', ttlMs: 60_000 }]);
    expect(await entries.getMany(['a', 'missing', 'b', 'c'])).toEqual([{ d: '{}' }, undefined, 1, 'one entry']);
    expect(await cache.ttl('a')).toBeGreaterThan(Date.now());
    await entries.deleteMany(['a', 'c']);
    expect(await entries.getMany(['a', 'b', 'c'])).toEqual([undefined, 1, undefined]);
  });

  it('setThenGet reads after its write', async () => {
    const entries = new CacheManagerEntries(createCache());
    expect(await entries.setThenGet({ key: 'k', value: 'v', ttlMs: 60_000 }, 'k')).toBe('v');
    expect(await entries.setThenGet({ key: 'k2', value: 'v', ttlMs: 60_000 }, 'absent')).toBeUndefined();
  });

  it('fails a read that cache-manager only reported as an error event (a Redis it cannot reach)', async () => {
    // Nothing listens on port 1: every connection attempt is refused at once.
    const store = new KeyvRedis('redis://127.0.0.1:1', { throwOnConnectError: true, connectionTimeout: 300 });
    // Keyv passes the store's failures up (by default it turns them into misses itself).
    const cache = createCache({ stores: [new Keyv({ store, useKeyPrefix: false, throwOnErrors: true })] });
    const entries = new CacheManagerEntries(cache);
    try {
      // cache.get itself resolves (to a miss) and emits the error...
      expect(await cache.get('k')).toBeUndefined();
      // ...which the port turns back into a failure.
      await expect(entries.getMany(['k'])).rejects.toThrow('the cache store reported an error');
      await expect(entries.setMany([{ key: 'k', value: 1 }])).rejects.toThrow();
    } finally {
      await store.disconnect(true);
    }
  });

  it('a revocation that a silent cache dropped is held in the ledger, not taken as done', async () => {
    // Keyv's defaults: the unreachable store's failures become misses and quiet writes.
    const store = new KeyvRedis('redis://127.0.0.1:1', { throwOnConnectError: false, connectionTimeout: 300 });
    const cache = createCache({ stores: [new Keyv({ store, useKeyPrefix: false })] });
    const dataSource = await new DataSource({
      type: 'better-sqlite3',
      database: ':memory:',
      entities: [QSessionRevocation],
      synchronize: true,
    }).initialize();
    const ledger = new TypeOrmRevocationLedger(dataSource);
    const shared = new KeyValueSessionCache(
      new CacheManagerEntries(cache),
      {
        keys: new CacheKeys('p:'),
        epochReach: 'all',
        timeoutMs: 5000,
        tombstoneTtlMs: 60_000,
        guarantee: { ledger, timings: { checkEveryMs: 100, trustMs: 300 } },
      },
      { warn: () => undefined },
    );
    try {
      const startedAt = Date.now();
      await shared.revoke(['digest']);
      // The tombstone could not be read back: held durably, and waited out for the trust window.
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(300);
      expect(await ledger.held(10)).toEqual([{ id: expect.any(Number), digest: 'digest' }]);
      expect(await shared.get('digest')).toEqual({ kind: 'revoked' });
    } finally {
      shared.close();
      await store.disconnect(true);
      await dataSource.destroy();
    }
  });
});
