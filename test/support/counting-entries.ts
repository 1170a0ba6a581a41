import type { CacheEntries, CacheEntry, MaybePromise } from '../../lib/cache/cache-entries.js';

/**
 * Forwards every call to the real entries and counts them: on Redis each call is one round trip
 * (RedisEntries sends a call's commands together), so the counts are what the cache costs.
 */
export class CountingEntries implements CacheEntries {
  /** Reads (`getMany`) since creation. */
  getManyCalls = 0;
  /** Every call since creation. */
  calls = 0;
  constructor(private readonly inner: CacheEntries) {}
  get answersLocally(): boolean | undefined {
    return this.inner.answersLocally;
  }
  getMany(keys: readonly string[]): MaybePromise<unknown[]> {
    this.calls++;
    this.getManyCalls++;
    return this.inner.getMany(keys);
  }
  setMany(entries: readonly CacheEntry[]): MaybePromise<void> {
    this.calls++;
    return this.inner.setMany(entries);
  }
  setThenGet(entry: CacheEntry, readKey: string): MaybePromise<unknown> {
    this.calls++;
    return this.inner.setThenGet(entry, readKey);
  }
  deleteMany(keys: readonly string[]): MaybePromise<void> {
    this.calls++;
    return this.inner.deleteMany(keys);
  }
  writeAndDelete(entries: readonly CacheEntry[], deleteKeys: readonly string[]): MaybePromise<void> {
    this.calls++;
    return this.inner.writeAndDelete(entries, deleteKeys);
  }
}
