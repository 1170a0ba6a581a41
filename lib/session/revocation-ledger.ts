/** A revocation that could not be written to the shared cache when it was made. */
export interface HeldRevocation {
  /** Its place in the ledger (ascending in the order they were held). */
  id: number;
  /** The revoked session's digest; null: every cached session must be re-checked (users deleted). */
  digest: string | null;
}

/**
 * Durable storage for revocations the shared cache has not received yet (it was down, slow or
 * cut off when they were made). Every app process reads it on a short interval and writes what it
 * finds to the cache, so a revocation survives the process that made it (a crash, a deploy) and
 * an outage of any length; an entry leaves the ledger only once the cache has it.
 */
export interface RevocationLedger {
  /** Holds revocations of `digests`, or (null) a re-check of every cached session. Durable when it resolves. */
  hold(digests: readonly string[] | null): Promise<void>;
  /** Up to `limit` held revocations, oldest first. */
  held(limit: number): Promise<HeldRevocation[]>;
  /** Removes held revocations once the cache has them. */
  release(ids: readonly number[]): Promise<void>;
}
