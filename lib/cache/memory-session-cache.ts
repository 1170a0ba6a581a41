import { endOfTurn } from '../util/end-of-turn.js';
import { ABSENT_TTL_MS, type CacheLookup, type SessionCache } from '../core/session-cache.js';
import type { SessionRecord, UserId } from '../session/session-record.js';
import { LruCache } from '../core/lru-cache.js';

/**
 * A cached session, flat: dates as epoch milliseconds rather than three Date objects, and no
 * digest (it is the map key). Every entry outlives many scavenges and ends up in the old
 * generation, so its size is what the process's memory grows by while sessions churn.
 */
interface Entry {
  data: string;
  userId: UserId | null;
  ip: string | null;
  userAgent: string | null;
  expires: number;
  created: number;
  updated: number;
  /** The user-deletion epoch the entry was cached under (see invalidateUserSessions). */
  epoch: number;
}

/** Distinct User-Agent and IP texts kept for sharing: far more than one app's clients use at once. */
const SHARED_TEXTS = 1024;

/**
 * The `cached_db` engine's default cache: sessions in this process's memory, in a bounded LRU.
 *
 * Written for the job rather than put behind cache-manager: through cache-manager, Keyv and
 * CacheableMemory a lookup paid for promise layers, JSON serialisation of an in-process value and
 * key hashing, more than everything else the library does on a cached read (figures in
 * docs/performance.md). Here a lookup is a Map access. The rules are those of the shared caches: a revocation
 * leaves a tombstone that outlives any request still running, so a read-through racing the
 * revocation cannot put the session back; deleting users by query bumps an epoch that makes
 * every cached signed-in session re-check the database once.
 */
export class MemorySessionCache implements SessionCache {
  private readonly records: LruCache<string, Entry>;
  /** digest → when the tombstone lapses. Insertion order is lapse order (one fixed TTL). */
  private readonly tombstones = new Map<string, number>();
  /**
   * One copy of each recent User-Agent and IP text. Each request brings its own copy of the same
   * header; kept as is, ten thousand sessions from one browser would hold ten thousand copies.
   */
  private readonly sharedTexts = new LruCache<string, string>(SHARED_TEXTS);
  /** digest → until when the database is taken not to have it (see rememberAbsent). */
  private readonly absent: LruCache<string, number>;
  private epoch = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly tombstoneTtlMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.records = new LruCache(maxEntries);
    this.absent = new LruCache(maxEntries);
  }

  async get(digest: string): Promise<CacheLookup> {
    // A hit would otherwise finish the whole request inside the socket's read callback, one
    // request at a time. Yielding once lets Node read every socket that is ready before the
    // requests go on, as they do when the cache is Redis (measured faster and cheaper per request:
    // docs/performance.md). The yield is shared by the lookups of one turn, so their requests
    // resume together in one callback, as a batch of Redis replies does (a timer per lookup cost
    // more). Looked up after the yield, so a revocation made meanwhile is seen.
    await endOfTurn();
    if (this.isRevoked(digest)) return { kind: 'revoked' };
    const entry = this.records.get(digest);
    if (!entry) return this.isAbsent(digest) ? { kind: 'absent' } : { kind: 'miss' };
    if (entry.expires <= this.now()) {
      this.records.delete(digest);
      return { kind: 'miss' };
    }
    if (entry.userId !== null && entry.epoch < this.epoch) return { kind: 'miss' };
    // A new record each time: the caller owns what it gets, as it would from a shared cache.
    return {
      kind: 'hit',
      record: {
        digest,
        data: entry.data,
        userId: entry.userId,
        ip: entry.ip,
        userAgent: entry.userAgent,
        expireDate: new Date(entry.expires),
        createdAt: new Date(entry.created),
        updatedAt: new Date(entry.updated),
      },
    };
  }

  async set(record: SessionRecord): Promise<void> {
    const expires = record.expireDate.getTime();
    this.absent.delete(record.digest);
    if (expires <= this.now() || this.isRevoked(record.digest)) return;
    this.records.set(record.digest, {
      data: record.data,
      userId: record.userId,
      ip: this.share(record.ip),
      userAgent: this.share(record.userAgent),
      expires,
      created: record.createdAt.getTime(),
      updated: record.updatedAt.getTime(),
      epoch: this.epoch,
    });
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

  async rememberAbsent(digest: string): Promise<void> {
    // A read that raced the session's creation must not hide it: the record, cached, wins.
    if (this.records.get(digest) === undefined) this.absent.set(digest, this.now() + ABSENT_TTL_MS);
  }

  async invalidateUserSessions(): Promise<void> {
    this.epoch++;
  }

  private isAbsent(digest: string): boolean {
    const until = this.absent.get(digest);
    if (until === undefined) return false;
    if (until > this.now()) return true;
    this.absent.delete(digest);
    return false;
  }

  close(): void {
    this.records.clear();
    this.tombstones.clear();
    this.absent.clear();
    this.sharedTexts.clear();
  }

  /** The kept copy of `text` when there is one; otherwise `text`, kept for the next session. */
  private share(text: string | null): string | null {
    if (text === null) return null;
    const kept = this.sharedTexts.get(text);
    if (kept !== undefined) return kept;
    this.sharedTexts.set(text, text);
    return text;
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
