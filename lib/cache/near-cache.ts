import { LruCache } from '../util/lru-cache.js';

/** Where a near cache learns whether copies may be trusted now. */
export interface CopyTrust {
  /** A token for copies read now, or null when none may be trusted (see RedisKeyTracking). */
  session(): number | null;
}

interface Copy<V> {
  value: V;
  /** The tracking session it was read under: valid only while that session lasts. */
  session: number;
}

/**
 * This process's copies of values it read from the shared cache, kept between requests and
 * dropped the moment Redis says the keys behind them changed. Keyed by cache key.
 *
 * A read that races an invalidation must not store what it read: each read takes a ticket
 * first, an invalidation of that key voids the ticket, and only a read whose ticket is still
 * current may store its copy. So whichever comes first on the connection, the reply or the
 * invalidation pushed after it, the copy never outlives the change.
 */
export class NearCache<V> {
  private readonly copies: LruCache<string, Copy<V>>;
  /** key → the newest read of it still in flight: its ticket and the tracking session it began in. */
  private readonly tickets = new Map<string, { ticket: number; session: number }>();
  private nextTicket = 0;

  constructor(
    capacity: number,
    private readonly trust: CopyTrust,
  ) {
    this.copies = new LruCache(capacity);
  }

  /** The trusted copy for `key`, or undefined (none, or not trusted now). */
  get(key: string): V | undefined {
    const copy = this.copies.get(key);
    if (copy === undefined) return undefined;
    const session = this.trust.session();
    if (copy.session === session) return copy.value;
    if (session !== null) this.copies.delete(key);
    return undefined;
  }

  /** Starts a read of `key` from the shared cache; null when its result could not be trusted. */
  beginRead(key: string): number | null {
    const session = this.trust.session();
    if (session === null) return null;
    const ticket = ++this.nextTicket;
    this.tickets.set(key, { ticket, session });
    return ticket;
  }

  /** Ends the read of `ticket` (once, also when it failed), storing `read.value` if nothing voided the ticket. */
  endRead(key: string, ticket: number, read?: { value: V }): void {
    const pending = this.tickets.get(key);
    if (pending?.ticket !== ticket) return;
    this.tickets.delete(key);
    // Read on a connection that has since been replaced: Redis tracks the key for that one only.
    if (read === undefined || this.trust.session() !== pending.session) return;
    this.copies.set(key, { value: read.value, session: pending.session });
  }

  /** Drops the copy of `key` and voids any read of it in flight. */
  drop(key: string): void {
    this.copies.delete(key);
    this.tickets.delete(key);
  }

  /** Drops every copy and voids every read in flight. */
  clear(): void {
    this.copies.clear();
    this.tickets.clear();
  }

  /** Every key and copied value (whether trusted now or not), for counting. */
  *entries(): IterableIterator<[string, V]> {
    for (const [key, copy] of this.copies.entries()) yield [key, copy.value];
  }

  /** Number of copies kept. */
  get size(): number {
    return this.copies.size;
  }
}
