/** One value to store in a cache. */
export interface CacheEntry {
  key: string;
  value: unknown;
  /** Lifetime in milliseconds; without one the entry stays until deleted. */
  ttlMs?: number;
}

/** A value, or a promise of it: an adapter that has the answer at hand gives it without a promise. */
export type MaybePromise<T> = T | Promise<T>;

/**
 * The one key-value port under the session cache (KeyValueSessionCache), with three adapters:
 * this process's memory (MemoryEntries), a cache-manager cache (CacheManagerEntries) and Redis
 * (RedisEntries, optionally behind its near cache, NearCacheEntries). Values are kept as given in
 * memory and serialised by the others, so no caller changes a value it gave or got. Every method
 * throws (rejects) when the cache could not do it. An adapter that has the answer at hand returns
 * it without a promise: the in-process hot read then pays for none.
 */
export interface CacheEntries {
  /**
   * True when reads may be answered from this process's memory: the session cache then yields to
   * the end of the event loop's turn first (see KeyValueSessionCache.get).
   */
  readonly answersLocally?: boolean;
  /** The values under `keys`, in order; undefined where a key is absent or expired. */
  getMany(keys: readonly string[]): MaybePromise<unknown[]>;
  /**
   * What `getMany` answers for the keys of one session read (record, tombstone, epoch, absence
   * mark: see CacheKeys; the mark may be left out where there is a record, which wins over it),
   * for an adapter that finds them faster by digest than by key text (the in-process one, where
   * hashing four new key texts cost more than the rest of the lookup).
   */
  readSession?(digest: string): unknown[];
  setMany(entries: readonly CacheEntry[]): MaybePromise<void>;
  /** Stores `entry`, then reads `readKey` as it stands after that write; one round trip where possible. */
  setThenGet(entry: CacheEntry, readKey: string): MaybePromise<unknown>;
  deleteMany(keys: readonly string[]): MaybePromise<void>;
  /** Stores `entries`, then deletes `deleteKeys` (tombstones in, records out); one round trip where possible. */
  writeAndDelete(entries: readonly CacheEntry[], deleteKeys: readonly string[]): MaybePromise<void>;
  /** The identity of the server's current run (Redis's `run_id`), where the client can ask. */
  serverId?(): Promise<string>;
  /** Lets go of what the adapter holds (timers, copies); never closes a connection it was given. */
  close?(): void;
}
