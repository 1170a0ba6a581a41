import type { EndedSession } from './session-history.js';
import type { SessionRecord, UserId } from './session-record.js';

/**
 * The port both engines implement. `db` is the TypeORM table; `cached_db` is the same table
 * behind a write-through cache. Everything above this interface is engine-neutral.
 */
export interface SessionStore {
  /** The live (unexpired) session with this digest, or null. */
  get(digest: string): Promise<SessionRecord | null>;
  /** Inserts a new session. Throws {@link DuplicateSessionError} if the digest exists. */
  create(record: SessionRecord): Promise<void>;
  /**
   * Updates an existing session. Resolves to false, writing nothing, when the row no longer
   * exists: a session revoked while a request was using it is never written back.
   */
  update(record: SessionRecord): Promise<boolean>;
  /** Deletes sessions by digest; resolves to how many rows were deleted. */
  delete(digests: readonly string[]): Promise<number>;
  /** Deletes the live session `digest` only if it belongs to `userId`; resolves to whether it did. */
  deleteOfUser(userId: UserId, digest: string): Promise<boolean>;
  /**
   * Sets the label of the live session `digest` only if it belongs to `userId`; resolves to whether
   * it did. A request's later save never changes a label.
   */
  relabelOfUser(userId: UserId, digest: string, label: string | null): Promise<boolean>;
  /** Live sessions of one user, most recently active first. */
  listByUser(userId: UserId): Promise<SessionRecord[]>;
  /** Digests of the live (unexpired) sessions of one user. */
  liveDigestsOfUser(userId: UserId): Promise<string[]>;
  /** Deletes up to `limit` sessions that expired; resolves to what their history entries need of them. */
  deleteExpiredBatch(limit: number): Promise<EndedSession[]>;
  /**
   * Makes every copy of a signed-in session held outside the table (a cache) be checked against
   * the table once more before it is served: for users deleted by a query whose sessions are no
   * longer there to be listed. Nothing to do for a store that keeps no copies.
   */
  recheckUserSessions(): Promise<void>;
}

/** A session with the same digest already exists (a key collision, or a replayed create). */
export class DuplicateSessionError extends Error {
  constructor() {
    super('A session with this key already exists.');
    this.name = 'DuplicateSessionError';
  }
}
