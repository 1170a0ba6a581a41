import type { CacheEntries, CacheEntry, MaybePromise } from './cache-entries.js';
import type { CacheKeys } from './cache-keys.js';
import { NearCache, type CopyTrust } from './near-cache.js';

/** What tells a near cache which keys changed (see RedisKeyTracking). */
export interface KeyChangeSource extends CopyTrust {
  /** Calls `listener` with each changed key, or null when every copy must go. */
  onInvalidate(listener: (key: string | null) => void): void;
}

/**
 * The near cache, a layer of the Redis adapter: copies of the values this process read, so a
 * session read again costs no round trip. Redis reports every change to a key this connection
 * read, absent ones included (see RedisKeyTracking), and the copy goes at once. A read is answered
 * here only when every key it asks for has a trusted copy; otherwise all go to Redis together.
 */
export class NearCacheEntries extends NearCache<unknown> implements CacheEntries {
  readonly answersLocally = true;
  /** The server's identity, when the adapter below can tell it. */
  readonly serverId?: () => Promise<string>;

  constructor(
    private readonly inner: CacheEntries,
    private readonly keys: CacheKeys,
    changes: KeyChangeSource,
    /** Most copies kept (each session read leaves up to three: record, tombstone, absence mark). */
    capacity: number,
  ) {
    super(capacity, changes);
    if (inner.serverId) this.serverId = () => inner.serverId!();
    changes.onInvalidate((key) => this.keyChanged(key));
  }

  getMany(keys: readonly string[]): MaybePromise<unknown[]> {
    const values: unknown[] = new Array(keys.length);
    for (let index = 0; index < keys.length; index++) {
      const copy = this.get(keys[index]);
      if (copy === undefined) return this.readThrough(keys);
      // A key read absent is copied as null (Redis never holds a null of ours).
      values[index] = copy === null ? undefined : copy;
    }
    return values;
  }

  /** Reads `keys` from Redis and keeps copies of the answers no change voided meanwhile. */
  private async readThrough(keys: readonly string[]): Promise<unknown[]> {
    const tickets = keys.map((key) => this.beginRead(key));
    let values: unknown[] | undefined;
    try {
      values = await this.inner.getMany(keys);
      return values;
    } finally {
      for (const [index, ticket] of tickets.entries()) {
        if (ticket === null) continue;
        this.endRead(keys[index], ticket, values && { value: values[index] ?? null });
      }
    }
  }

  // Each write drops its keys' copies first: Redis reports our own writes too, but later.

  setMany(entries: readonly CacheEntry[]): MaybePromise<void> {
    for (const entry of entries) this.drop(entry.key);
    return this.inner.setMany(entries);
  }

  setThenGet(entry: CacheEntry, readKey: string): MaybePromise<unknown> {
    this.drop(entry.key);
    return this.inner.setThenGet(entry, readKey);
  }

  deleteMany(keys: readonly string[]): MaybePromise<void> {
    for (const key of keys) this.drop(key);
    return this.inner.deleteMany(keys);
  }

  writeAndDelete(entries: readonly CacheEntry[], deleteKeys: readonly string[]): MaybePromise<void> {
    for (const entry of entries) this.drop(entry.key);
    for (const key of deleteKeys) this.drop(key);
    return this.inner.writeAndDelete(entries, deleteKeys);
  }

  close(): void {
    this.clear();
    this.inner.close?.();
  }

  /** How many session records this process keeps copies of (for tests and diagnostics). */
  get recordCopyCount(): number {
    let count = 0;
    for (const [key, value] of this.entries()) if (value !== null && this.keys.kindOf(key) === 'record') count++;
    return count;
  }

  /** A key changed in the cache (or every key, `null`): the copies behind it go. */
  private keyChanged(key: string | null): void {
    // A move of the epoch sends every record back to Redis anyway: the copies go at once.
    if (key === null || key === this.keys.epoch) this.clear();
    else this.drop(key);
  }
}
