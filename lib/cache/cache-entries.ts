/** One value to store in a shared cache. */
export interface CacheEntry {
  key: string;
  value: unknown;
  /** Lifetime in milliseconds; without one the entry stays until deleted. */
  ttlMs?: number;
}

/**
 * The key-value operations the shared session cache needs, over whichever client reaches the
 * cache. Every method throws (rejects) when the cache could not do it; the session cache above
 * turns that into a miss or a no-op.
 */
export interface CacheEntries {
  /** The values under `keys`, in order; undefined where a key is absent or expired. */
  getMany(keys: readonly string[]): Promise<unknown[]>;
  /** Stores every entry. */
  setMany(entries: readonly CacheEntry[]): Promise<void>;
  /**
   * Stores `entry`, then reads `readKey` as it stands after that write (a value another
   * process wrote before our write landed is seen). One round trip where the client allows it.
   */
  setThenGet(entry: CacheEntry, readKey: string): Promise<unknown>;
  deleteMany(keys: readonly string[]): Promise<void>;
  /**
   * Stores `entries`, then deletes `deleteKeys` (a revocation: tombstones in, records out). One
   * round trip where the client allows it.
   */
  writeAndDelete(entries: readonly CacheEntry[], deleteKeys: readonly string[]): Promise<void>;
  /**
   * The identity of the server's current run (Redis's `run_id`, new at every start), where the
   * client can ask; absent where it cannot (a cache-manager store).
   */
  serverId?(): Promise<string>;
}
