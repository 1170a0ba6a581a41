/** The express-session stores that can be imported from. */
export type ExpressSessionStoreKind = 'connect-redis' | 'connect-pg-simple' | 'connect-typeorm';

/** One session as an express-session store holds it, before any interpretation. */
export interface LegacySession {
  /** express-session's session id (the value its signed cookie carries). Never printed. */
  sid: string;
  /** The stored session: JSON text (or, from a json column, already parsed). */
  payload: unknown;
  /**
   * When the store stops serving it (Redis TTL, `expire` column, `expiredAt`), or null when the
   * store keeps it without an expiry.
   */
  storeExpiry: Date | null;
  /** The store still holds it but ended it (connect-typeorm's soft delete, a Redis key gone meanwhile). */
  ended: boolean;
}

/** Reads every session of one store, a batch at a time, without ever loading them all. */
export interface LegacySessionSource {
  /** Where the sessions come from, fit to print (no password, no session id). */
  readonly description: string;
  /** Batches of about `batchSize` sessions until the store is exhausted. */
  batches(batchSize: number): AsyncIterable<LegacySession[]>;
  /** Releases the connections this source opened (never the caller's). */
  close(): Promise<void>;
}
