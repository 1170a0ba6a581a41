/**
 * A least-recently-used cache on a Map (whose iteration order is insertion order): a hit moves
 * the entry to the end, and the first entry is dropped when the cache is full.
 */
export class LruCache<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(
    /** Most entries kept. */
    readonly capacity: number,
  ) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new Error(`nest-qsessions: an LRU cache needs a positive whole capacity, not ${String(capacity)}.`);
    }
  }

  /** The cached value, marked as just used; undefined when absent. */
  get(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  /** Stores `value`, dropping the least recently used entry when full. */
  set(key: K, value: V): void {
    this.entries.delete(key);
    if (this.entries.size >= this.capacity) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, value);
  }

  /** Removes an entry; true when it was there. */
  delete(key: K): boolean {
    return this.entries.delete(key);
  }

  /** Removes every entry. */
  clear(): void {
    this.entries.clear();
  }

  /** Number of entries. */
  get size(): number {
    return this.entries.size;
  }
}
