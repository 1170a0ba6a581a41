import { LruCache } from '../core/lru-cache.js';

/** Where a near cache learns which copies to drop and whether copies may be trusted now. */
export interface CopyTrust {
  /** A token for copies read now, or null when none may be trusted (see RedisKeyTracking). */
  session(): number | null;
}

interface Copy<V> {
  value: V;
  /** The tracking session it was read under: valid only while that session lasts. */
  session: number;
  /** True when the copy belongs to a signed-in user (dropped when users are deleted). */
  hasUser: boolean;
}

/**
 * This process's copies of what it read from the shared cache, kept between requests and dropped
 * the moment Redis says the keys behind them changed. Keyed by session digest.
 *
 * A read that races an invalidation must not store what it read: each read takes a ticket
 * first, an invalidation of that digest voids the ticket, and only a read whose ticket is still
 * current may store its copy. So whichever comes first on the connection, the reply or the
 * invalidation pushed after it, the copy never outlives the change.
 */
export class NearCache<V> {
  private readonly copies: LruCache<string, Copy<V>>;
  /** digest → the newest read of it still in flight: its ticket and the tracking session it began in. */
  private readonly tickets = new Map<string, { ticket: number; session: number }>();
  private nextTicket = 0;

  constructor(
    capacity: number,
    private readonly trust: CopyTrust,
  ) {
    this.copies = new LruCache(capacity);
  }

  /** The trusted copy for `digest`, or undefined (none, or not trusted now). */
  get(digest: string): V | undefined {
    const copy = this.copies.get(digest);
    if (copy === undefined) return undefined;
    const session = this.trust.session();
    if (copy.session === session) return copy.value;
    if (session !== null) this.copies.delete(digest);
    return undefined;
  }

  /** Starts a read of `digest` from the shared cache; null when its result could not be trusted. */
  beginRead(digest: string): number | null {
    const session = this.trust.session();
    if (session === null) return null;
    const ticket = ++this.nextTicket;
    this.tickets.set(digest, { ticket, session });
    return ticket;
  }

  /**
   * Ends the read of `ticket`, storing `value` (when given) if nothing voided the ticket since it
   * began. Must be called once per ticket, also when the read failed, so tickets do not pile up.
   */
  endRead(digest: string, ticket: number, value?: { value: V; hasUser: boolean }): void {
    const read = this.tickets.get(digest);
    if (read?.ticket !== ticket) return;
    this.tickets.delete(digest);
    // Read on a connection that has since been replaced: Redis tracks the key for that one only.
    if (value === undefined || this.trust.session() !== read.session) return;
    this.copies.set(digest, { value: value.value, hasUser: value.hasUser, session: read.session });
  }

  /** Drops the copy of `digest` and voids any read of it in flight. */
  drop(digest: string): void {
    this.copies.delete(digest);
    this.tickets.delete(digest);
  }

  /** Drops the copies that belong to users, and voids every read in flight. */
  dropUserCopies(): void {
    for (const [digest, copy] of this.copies.entries()) if (copy.hasUser) this.copies.delete(digest);
    this.tickets.clear();
  }

  /** Drops every copy and voids every read in flight. */
  clear(): void {
    this.copies.clear();
    this.tickets.clear();
  }

  /** Number of copies kept. */
  get size(): number {
    return this.copies.size;
  }
}
