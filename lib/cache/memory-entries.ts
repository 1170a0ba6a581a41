import { LruCache } from '../util/lru-cache.js';
import type { CacheEntries, CacheEntry } from './cache-entries.js';
import type { CacheKeyKind, CacheKeys } from './cache-keys.js';

/**
 * {@link CacheEntries} in this process's memory, the `cached_db` engine's default. Not behind
 * cache-manager, whose promise layers, JSON and key hashing cost more than the rest of a cached
 * read (docs/performance.md): answers come at once, values are kept as given, and a session's
 * entries are found by its digest (whose hash the string keeps). Each kind has its own bound:
 * records and absence marks in LRUs of `capacity`; tombstones in lapse order, the oldest going
 * first past `capacity` (or past the batch being written: a revocation is never cut short).
 */
export class MemoryEntries implements CacheEntries {
  readonly answersLocally = true;
  /** digest → record. */
  private readonly records: LruCache<string, unknown>;
  /** digest → absence mark. */
  private readonly absent: LruCache<string, unknown>;
  /** The epoch and incarnation keys, by key. */
  private readonly others = new LruCache<string, unknown>(16);
  /** digest → tombstone. Insertion order is lapse order (one fixed lifetime; re-inserted when renewed). */
  private readonly tombstones = new Map<string, { value: unknown; expires: number }>();

  constructor(
    private readonly keys: CacheKeys,
    private readonly capacity: number,
    private readonly now: () => number = Date.now,
  ) {
    this.records = new LruCache(capacity);
    this.absent = new LruCache(capacity);
  }

  readSession(digest: string): unknown[] {
    const now = this.now();
    const record = this.records.get(digest, now);
    // The absence mark counts only where there is no record: not looked up otherwise.
    const absent = record === undefined ? this.absent.get(digest, now) : undefined;
    return [record, this.tombstone(digest, now), this.others.get(this.keys.epoch, now), absent];
  }

  getMany(keys: readonly string[]): unknown[] {
    const now = this.now();
    return keys.map((key) => this.read(key, now));
  }

  setMany(entries: readonly CacheEntry[]): void {
    const now = this.now();
    let tombstones = 0;
    for (const { key, value, ttlMs } of entries) {
      const expires = ttlMs === undefined ? Number.POSITIVE_INFINITY : now + ttlMs;
      const kind = this.keys.kindOf(key);
      if (kind !== 'tombstone') {
        this.lruOf(kind).set(this.idOf(key, kind), value, expires);
        continue;
      }
      const digest = this.keys.digestOf(key);
      // Re-inserted so that the map stays in lapse order.
      this.tombstones.delete(digest);
      this.tombstones.set(digest, { value, expires });
      tombstones++;
    }
    if (tombstones > 0) this.trimTombstones(now, tombstones);
  }

  setThenGet(entry: CacheEntry, readKey: string): unknown {
    this.setMany([entry]);
    return this.read(readKey, this.now());
  }

  deleteMany(keys: readonly string[]): void {
    for (const key of keys) {
      const kind = this.keys.kindOf(key);
      if (kind === 'tombstone') this.tombstones.delete(this.keys.digestOf(key));
      else this.lruOf(kind).delete(this.idOf(key, kind));
    }
  }

  writeAndDelete(entries: readonly CacheEntry[], deleteKeys: readonly string[]): void {
    this.setMany(entries);
    this.deleteMany(deleteKeys);
  }

  close(): void {
    for (const lru of [this.records, this.absent, this.others]) lru.clear();
    this.tombstones.clear();
  }

  private read(key: string, now: number): unknown {
    const kind = this.keys.kindOf(key);
    if (kind === 'tombstone') return this.tombstone(this.keys.digestOf(key), now);
    return this.lruOf(kind).get(this.idOf(key, kind), now);
  }

  private tombstone(digest: string, now: number): unknown {
    const kept = this.tombstones.get(digest);
    if (kept === undefined) return undefined;
    if (kept.expires > now) return kept.value;
    this.tombstones.delete(digest);
    return undefined;
  }

  /** Where an entry of `kind` is kept: its digest, or the key itself (epoch, incarnation). */
  private idOf(key: string, kind: CacheKeyKind | null): string {
    return kind === 'record' || kind === 'absent' ? this.keys.digestOf(key) : key;
  }

  private lruOf(kind: CacheKeyKind | null): LruCache<string, unknown> {
    return kind === 'record' ? this.records : kind === 'absent' ? this.absent : this.others;
  }

  /** Drops lapsed tombstones, then the oldest past the bound (at least `batch` are kept). */
  private trimTombstones(now: number, batch: number): void {
    const bound = Math.max(this.capacity, batch);
    for (const [digest, kept] of this.tombstones) {
      if (kept.expires > now && this.tombstones.size <= bound) break;
      this.tombstones.delete(digest);
    }
  }
}
