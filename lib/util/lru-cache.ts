interface Slot<V> {
  value: V;
  /** Read or replaced since the eviction sweep last passed it. */
  used: boolean;
  /** When the entry lapses (epoch ms; Infinity: never): see {@link LruCache.get}. */
  expires: number;
}

/**
 * A bounded cache that evicts what has not been used lately, by the second-chance ("clock")
 * rule: entries sit in a Map in insertion order; a hit only marks its entry, and when the cache
 * is full the sweep drops the oldest unmarked entry, moving marked ones to the back unmarked.
 *
 * Why not a strict LRU (move the entry to the end on every hit): that is a Map delete and insert
 * per hit, which on the hot paths (a session read, each row of `list()`) cost more than the
 * lookup itself and kept rehashing the Map. A hit here writes one boolean.
 */
export class LruCache<K, V> {
  private readonly slots = new Map<K, Slot<V>>();

  constructor(
    /** Most entries kept. */
    readonly capacity: number,
  ) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new Error(`nest-qsessions: an LRU cache needs a positive whole capacity, not ${String(capacity)}.`);
    }
  }

  /** The cached value, marked as used; undefined when absent, or lapsed by `now` (then removed). */
  get(key: K, now = Number.NEGATIVE_INFINITY): V | undefined {
    const slot = this.slots.get(key);
    if (slot === undefined) return undefined;
    if (slot.expires <= now) {
      this.slots.delete(key);
      return undefined;
    }
    slot.used = true;
    return slot.value;
  }

  /**
   * Stores `value` (replacing counts as a use), evicting an entry not used lately when full.
   * `expires` (epoch ms) is when {@link get} stops returning it.
   */
  set(key: K, value: V, expires: number = Number.POSITIVE_INFINITY): void {
    const slot = this.slots.get(key);
    if (slot !== undefined) {
      slot.value = value;
      slot.used = true;
      slot.expires = expires;
      return;
    }
    if (this.slots.size >= this.capacity) this.evictOne();
    this.slots.set(key, { value, used: false, expires });
  }

  /** Removes an entry; true when it was there. */
  delete(key: K): boolean {
    return this.slots.delete(key);
  }

  /** Every key and value, oldest first, without marking them used (entries may be deleted meanwhile). */
  *entries(): IterableIterator<[K, V]> {
    for (const [key, slot] of this.slots) yield [key, slot.value];
  }

  /** Removes every entry. */
  clear(): void {
    this.slots.clear();
  }

  /** Number of entries. */
  get size(): number {
    return this.slots.size;
  }

  /** Drops the oldest entry not used since the sweep last passed it (ends: each pass unmarks). */
  private evictOne(): void {
    for (const [key, slot] of this.slots) {
      this.slots.delete(key);
      if (!slot.used) return;
      slot.used = false;
      // Re-inserted at the back; a Map iterator visits entries added during iteration, so a
      // full sweep of marked entries comes back to the first one, now unmarked, and drops it.
      this.slots.set(key, slot);
    }
  }
}
