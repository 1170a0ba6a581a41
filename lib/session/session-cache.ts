import type { SessionRecord } from './session-record.js';

/** What a cache lookup can answer. */
export type CacheLookup =
  | { kind: 'hit'; record: SessionRecord }
  /** The session was revoked: answer "no session" without asking the database. */
  | { kind: 'revoked' }
  /** Looked up in the database moments ago and not there: answer "no session" without asking again. */
  | { kind: 'absent' }
  /** Not cached, or the cache failed or timed out (the caller falls back to the database). */
  | { kind: 'miss' };

/**
 * How long a digest the database did not have is remembered: long enough that a client repeating
 * an unknown cookie costs no query, short enough that a row imported behind the app's back is seen soon.
 */
export const ABSENT_TTL_MS = 10_000;

/** Options of {@link SessionCache.revoke}. */
export interface RevokeOptions {
  /**
   * When the cache cannot take the revocation, hold it durably and return only once no process
   * can serve the session from the cache any more (the default). False: try once and move on
   * (a row found gone, whose deleter already made its revocation durable).
   */
  durable?: boolean;
}

/**
 * The cache port of the `cached_db` engine. Reads and writes never throw: a cache that is down
 * or slow behaves as a miss (reads) or a no-op (writes), so the database stays the source of
 * truth and no request fails because of the cache.
 */
export interface SessionCache {
  get(digest: string): Promise<CacheLookup>;
  /**
   * Caches a record until its expiry, unless the digest was marked revoked. A cached record
   * always wins over a remembered absence of the same digest.
   */
  set(record: SessionRecord): Promise<void>;
  /**
   * Remembers for {@link ABSENT_TTL_MS} that the database has no session with this digest, so
   * that the same unknown cookie again costs no query. Never hides a record cached for it.
   */
  rememberAbsent(digest: string): Promise<void>;
  /**
   * Marks digests as revoked (a tombstone that outlives any in-flight request) so that a
   * concurrent read-through or write cannot put the session back into the cache. A durable
   * revocation that resolves is never undone by anything the cache loses; it rejects only when
   * neither the cache nor the database could take it.
   */
  revoke(digests: readonly string[], options?: RevokeOptions): Promise<void>;
  /**
   * Makes every cached session count as a miss once, so that it is re-read from the database.
   * Used when users were deleted by a query whose rows are not known (TypeORM's `delete()`, raw
   * SQL): their sessions are gone from the table, and must not live on in the cache. Durable as
   * {@link revoke} is.
   */
  invalidateUserSessions(): Promise<void>;
  /** Releases timers (the app is shutting down). */
  close(): void;
}
