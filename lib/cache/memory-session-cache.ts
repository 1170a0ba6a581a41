import type { CacheLookup, SessionCache } from '../core/session-cache.js';
import type { SessionRecord } from '../core/session-record.js';
import { LruCache } from '../core/lru-cache.js';

interface Entry {
  record: SessionRecord;
  /** The user-deletion epoch the entry was cached under (see invalidateUserSessions). */
  epoch: number;
}

/**
 * The `cached_db` engine's default cache: sessions in this process's memory, in a bounded LRU.
 *
 * Written for the job rather than put behind cache-manager: through cache-manager, Keyv and
 * CacheableMemory a lookup cost ~45 µs of CPU per request (promise layers, JSON serialisation of
 * an in-process value, key hashing) — more than everything else the library does on a cached
 * read. Here a lookup is a Map access. The rules are those of the shared caches: a revocation
 * leaves a tombstone that outlives any request still running, so a read-through racing the
 * revocation cannot put the session back; deleting users by query bumps an epoch that makes
 * every cached signed-in session re-check the database once.
 */
export class MemorySessionCache implements SessionCache {
  private readonly records: LruCache<string, Entry>;
  /** digest → when the tombstone lapses. Insertion order is lapse order (one fixed TTL). */
  private readonly tombstones = new Map<string, number>();
  private epoch = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly tombstoneTtlMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.records = new LruCache(maxEntries);
  }

  async get(digest: string): Promise<CacheLookup> {
    if (this.isRevoked(digest)) return { kind: 'revoked' };
    const entry = this.records.get(digest);
    if (!entry) return { kind: 'miss' };
    if (entry.record.expireDate.getTime() <= this.now()) {
      this.records.delete(digest);
      return { kind: 'miss' };
    }
    if (entry.record.userId !== null && entry.epoch < this.epoch) return { kind: 'miss' };
    // A copy: the caller owns what it gets, as it would from a shared cache.
    return { kind: 'hit', record: { ...entry.record } };
  }

  async set(record: SessionRecord): Promise<void> {
    if (record.expireDate.getTime() <= this.now() || this.isRevoked(record.digest)) return;
    this.records.set(record.digest, { record: { ...record }, epoch: this.epoch });
  }

  async revoke(digests: readonly string[]): Promise<void> {
    const now = this.now();
    this.dropLapsedTombstones(now);
    const lapse = now + this.tombstoneTtlMs;
    for (const digest of digests) {
      // Re-inserted so that the map stays in lapse order.
      this.tombstones.delete(digest);
      this.tombstones.set(digest, lapse);
      this.records.delete(digest);
    }
    // Bounded like the records: past that, the oldest tombstones (closest to lapsing) go first.
    while (this.tombstones.size > Math.max(this.maxEntries, digests.length)) {
      this.tombstones.delete(this.tombstones.keys().next().value as string);
    }
  }

  async invalidateUserSessions(): Promise<void> {
    this.epoch++;
  }

  close(): void {
    this.records.clear();
    this.tombstones.clear();
  }

  private isRevoked(digest: string): boolean {
    const lapse = this.tombstones.get(digest);
    if (lapse === undefined) return false;
    if (lapse > this.now()) return true;
    this.tombstones.delete(digest);
    return false;
  }

  private dropLapsedTombstones(now: number): void {
    for (const [digest, lapse] of this.tombstones) {
      if (lapse > now) return;
      this.tombstones.delete(digest);
    }
  }
}
