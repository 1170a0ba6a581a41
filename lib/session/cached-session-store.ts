import type { SessionCache } from './session-cache.js';
import type { SessionRecord, UserId } from './session-record.js';
import type { SessionStore } from './session-store.js';
import type { EndedSession } from './session-history.js';

/**
 * The `cached_db` engine: the database store behind a write-through, read-through cache.
 *
 * - read: a cache hit costs no database query; a miss reads the database and refills the cache
 *   (or, when the database has no such session, remembers that for a few seconds);
 * - write: the database first, then the cache (never the cache alone);
 * - delete: the database, then a revocation tombstone in the cache (expired rows: the database
 *   only, since every read refuses an expired copy).
 */
export class CachedSessionStore implements SessionStore {
  constructor(
    /** The database store; the source of truth. */
    readonly database: SessionStore,
    readonly cache: SessionCache,
    private readonly now: () => number = Date.now,
  ) {}

  async get(digest: string): Promise<SessionRecord | null> {
    const cached = await this.cache.get(digest);
    if (cached.kind === 'revoked' || cached.kind === 'absent') return null;
    if (cached.kind === 'hit') {
      // The cache TTL matches the expiry, but clocks and TTL rounding are not exact.
      return cached.record.expireDate.getTime() > this.now() ? cached.record : null;
    }
    const record = await this.database.get(digest);
    // An unknown cookie sent again (a client retrying, or a flood of one made-up key) is answered
    // from the cache next time.
    if (record) await this.cache.set(record);
    else await this.cache.rememberAbsent(digest);
    return record;
  }

  async create(record: SessionRecord): Promise<void> {
    await this.database.create(record);
    await this.cache.set(record);
  }

  async update(record: SessionRecord): Promise<boolean> {
    const updated = await this.database.update(record);
    if (updated) await this.cache.set(record);
    // Gone from the table: whoever deleted it made its revocation durable; this only hurries it.
    else await this.cache.revoke([record.digest], { durable: false });
    return updated;
  }

  async delete(digests: readonly string[]): Promise<number> {
    if (digests.length === 0) return 0;
    const deleted = await this.database.delete(digests);
    // After the rows: a read-through that fetched a row just before the delete either wrote it
    // before this (the revocation removes it) or writes it after (its save reads the tombstone
    // back and takes it out again). Durable: nothing the cache loses brings the sessions back.
    await this.cache.revoke(digests);
    return deleted;
  }

  async deleteOfUser(userId: UserId, digest: string): Promise<boolean> {
    const deleted = await this.database.deleteOfUser(userId, digest);
    // Only a session that was the user's: a guessed id must not plant a tombstone on another's.
    if (deleted) await this.cache.revoke([digest]);
    return deleted;
  }

  relabelOfUser(userId: UserId, digest: string, label: string | null): Promise<boolean> {
    // The table alone: labels are read from it (list()), never from a cached copy.
    return this.database.relabelOfUser(userId, digest, label);
  }

  listByUser(userId: UserId): Promise<SessionRecord[]> {
    return this.database.listByUser(userId);
  }

  liveDigestsOfUser(userId: UserId): Promise<string[]> {
    return this.database.liveDigestsOfUser(userId);
  }

  recheckUserSessions(): Promise<void> {
    return this.cache.invalidateUserSessions();
  }

  deleteExpiredBatch(limit: number): Promise<EndedSession[]> {
    // The cache is left alone: a copy of an expired session is refused by its expiry on every
    // read, and a cache entry lives no longer than the session did when it was written.
    return this.database.deleteExpiredBatch(limit);
  }
}
