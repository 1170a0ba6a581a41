import type { Cache } from 'cache-manager';
import type { CacheEntries, CacheEntry } from './cache-entries.js';

// The events that carry a store's error (mdel rejects instead).
const CACHE_EVENTS = ['get', 'mget', 'set', 'mset', 'del'] as const;

/**
 * {@link CacheEntries} over a cache-manager 7 cache: the `instance` option, the app's own
 * `CACHE_MANAGER`, and the maintenance commands' caches.
 */
export class CacheManagerEntries implements CacheEntries {
  /** cache-manager reports store errors as events, not exceptions: count them. */
  private storeErrors = 0;

  constructor(readonly cache: Cache) {
    for (const event of CACHE_EVENTS) {
      cache.on?.(event, (data: { error?: unknown } | undefined) => {
        if (data?.error) this.storeErrors++;
      });
    }
  }

  getMany(keys: readonly string[]): Promise<unknown[]> {
    // One key through `get`: Keyv's many-key read turns a store failure into misses without a
    // trace, while its one-key read lets cache-manager report it (as an event).
    if (keys.length === 1) return this.checked(async () => [await this.cache.get(keys[0])]);
    return this.checked(() => this.cache.mget([...keys]));
  }

  setMany(entries: readonly CacheEntry[]): Promise<void> {
    return this.checked(async () => {
      if (entries.length === 1) {
        await this.cache.set(entries[0].key, entries[0].value, entries[0].ttlMs);
      } else {
        await this.cache.mset(entries.map(({ key, value, ttlMs }) => ({ key, value, ttl: ttlMs })));
      }
    });
  }

  setThenGet(entry: CacheEntry, readKey: string): Promise<unknown> {
    // cache-manager has no pipeline: two calls, the read strictly after the write.
    return this.checked(async () => {
      await this.cache.set(entry.key, entry.value, entry.ttlMs);
      return this.cache.get(readKey);
    });
  }

  async writeAndDelete(entries: readonly CacheEntry[], deleteKeys: readonly string[]): Promise<void> {
    // No pipeline here: the delete strictly after the writes.
    await this.setMany(entries);
    if (deleteKeys.length > 0) await this.deleteMany(deleteKeys);
  }

  deleteMany(keys: readonly string[]): Promise<void> {
    return this.checked(async () => {
      await this.cache.mdel([...keys]);
    });
  }

  /** Runs one operation and fails it when the store reported an error meanwhile. */
  private async checked<T>(operation: () => Promise<T>): Promise<T> {
    const errorsBefore = this.storeErrors;
    const result = await operation();
    if (this.storeErrors !== errorsBefore) throw new Error('the cache store reported an error');
    return result;
  }
}
