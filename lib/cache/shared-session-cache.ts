import type { CacheLookup, SessionCache } from '../core/session-cache.js';
import type { SessionRecord } from '../core/session-record.js';
import { endOfTurn } from '../core/end-of-turn.js';
import { ThrottledWarning, type WarningSink } from '../core/warn-once.js';
import { withTimeout } from '../core/with-timeout.js';
import type { CacheEntries } from './cache-entries.js';
import { CacheHealth } from './cache-health.js';
import { NearCache, type CopyTrust } from './near-cache.js';

/** What tells a near cache which keys changed (see RedisKeyTracking). */
export interface KeyChangeSource extends CopyTrust {
  /** Calls `listener` with each changed key, or null when every copy must go. */
  onInvalidate(listener: (key: string | null) => void): void;
}

/** Options of {@link SharedSessionCache}. */
export interface SharedSessionCacheOptions {
  /** Prefix of every key this library writes. */
  keyPrefix: string;
  /** Longest time one cache operation may take before it counts as failed. */
  timeoutMs: number;
  /** How long a revocation tombstone lives: longer than any request that could still write. */
  tombstoneTtlMs: number;
  /** After a failure, how long requests skip the cache before it is probed again. Default 1 s. */
  retryMs?: number;
  /** After an outage, how long cached records are re-checked against the database. Default 5 s. */
  quarantineMs?: number;
  /**
   * Keep copies of the records read in this process between requests, dropped as soon as
   * `changes` reports their keys changed: a hot read then costs no round trip to the cache.
   */
  near?: { changes: KeyChangeSource; capacity: number };
}

/** The cached form of a record: short keys, dates as epoch milliseconds, JSON-safe for Redis. */
interface CachedRecord {
  /** The user-deletion epoch this entry was cached under (see invalidateUserSessions). */
  ep?: number;
  d: string;
  u: string | number | null;
  i: string | null;
  a: string | null;
  e: number;
  c: number;
  m: number;
}

const TOMBSTONE = 1;

/**
 * How long a revocation tombstone lives: longer than any request that may still write the
 * revoked session (shared by the app and the `clear-expired` command).
 */
export const TOMBSTONE_TTL_MS = 10 * 60 * 1000;
// Revocations waiting for the cache to come back. Far above any real backlog; past it the
// oldest are dropped with a warning rather than letting memory grow without bound.
const MAX_PENDING_REVOCATIONS = 100_000;

/** The cache could not be used for this operation (failing, timed out, or skipped while down). */
class CacheUnavailableError extends Error {}

/**
 * The cache port over a cache shared by processes (Redis, a cache-manager `instance`, or the
 * app's own `CACHE_MANAGER`), reached through {@link CacheEntries}.
 *
 * - Records and revocation tombstones live under two keys per session: writers only ever write
 *   the record key, so a late write can never erase a tombstone, and a reader that sees the
 *   tombstone answers "revoked" whatever the record key holds.
 * - A cache that fails or is slower than `timeoutMs` is skipped (the database answers) and
 *   probed again after `retryMs`; see {@link CacheHealth}.
 * - A revocation that cannot reach the cache is remembered, answered locally, and written as
 *   soon as the cache answers again; until then (and for `quarantineMs` after an outage) cached
 *   records are re-checked against the database.
 */
export class SharedSessionCache implements SessionCache {
  private readonly warning: ThrottledWarning;
  private readonly health: CacheHealth;
  /** The newest user-deletion epoch this process has seen in the cache. */
  private epoch = 0;
  /** Revocations not yet written to the cache: digest → when the tombstone may lapse. */
  private readonly pendingRevocations = new Map<string, number>();
  /** A user-epoch bump not yet written to the cache. */
  private pendingEpochBump = false;
  private flushing: Promise<void> | null = null;
  /** Retries held-back writes even when no request comes to trigger it. */
  private retryTimer: NodeJS.Timeout | null = null;
  /** This process's copies of records read from the cache (the `near` option). */
  private readonly near: NearCache<CachedRecord> | null = null;

  constructor(
    private readonly entries: CacheEntries,
    private readonly options: SharedSessionCacheOptions,
    logger: WarningSink,
    private readonly now: () => number = Date.now,
  ) {
    this.warning = new ThrottledWarning(logger, 60_000);
    this.health = new CacheHealth(
      { retryMs: options.retryMs ?? 1000, quarantineMs: options.quarantineMs ?? 5000 },
      now,
    );
    if (options.near) {
      this.near = new NearCache(options.near.capacity, options.near.changes);
      options.near.changes.onInvalidate((key) => this.keyChanged(key));
    }
  }

  async get(digest: string): Promise<CacheLookup> {
    if (this.pendingRevocations.has(digest)) return { kind: 'revoked' };
    if (this.near) {
      // Hits answered from this process would otherwise finish each request inside its socket's
      // read callback, one at a time (see MemorySessionCache.get). Waiting for the end of the
      // turn also means every invalidation that reached this process before the request did has
      // been handled by the time the copy is looked at.
      await endOfTurn();
      if (this.pendingRevocations.has(digest)) return { kind: 'revoked' };
      const copy = this.near.get(digest);
      if (copy !== undefined && copy.e <= this.now()) this.near.drop(digest);
      // A bump of the user epoch drops the copies it concerns (keyChanged), so none is compared here.
      else if (copy !== undefined && this.mayServe(copy, undefined)) {
        return { kind: 'hit', record: fromCached(digest, copy) };
      }
    }
    let ticket = this.near?.beginRead(digest) ?? null;
    try {
      const [record, tombstone, epoch] = await this.guard(
        () => this.entries.getMany([this.recordKey(digest), this.tombstoneKey(digest), this.epochKey()]),
        'read',
      );
      if (tombstone !== undefined && tombstone !== null) return { kind: 'revoked' };
      if (typeof epoch === 'number' && epoch > this.epoch) this.epoch = epoch;
      if (!isCachedRecord(record)) return { kind: 'miss' };
      if (!this.mayServe(record, typeof epoch === 'number' ? epoch : undefined)) return { kind: 'miss' };
      if (ticket !== null) {
        this.near!.endRead(digest, ticket, { value: record, hasUser: record.u !== null });
        ticket = null;
      }
      return { kind: 'hit', record: fromCached(digest, record) };
    } catch {
      return { kind: 'miss' };
    } finally {
      if (ticket !== null) this.near!.endRead(digest, ticket);
    }
  }

  /** Whether a cached record may be answered as a hit, given the user epoch read with it. */
  private mayServe(record: CachedRecord, epoch: number | undefined): boolean {
    // Just after an outage the cache may still hold sessions revoked during it.
    if (this.health.inQuarantine()) return false;
    // Cached before users were deleted: its user may be gone, so ask the database once.
    const userEpochPassed = epoch !== undefined && (record.ep ?? 0) < epoch;
    return record.u === null || !(userEpochPassed || this.pendingEpochBump);
  }

  /** A key of ours changed in the cache (or every key, `null`): the copies behind it go. */
  private keyChanged(key: string | null): void {
    const near = this.near!;
    if (key === null) return near.clear();
    if (key === this.epochKey()) return near.dropUserCopies();
    const prefix = this.options.keyPrefix;
    if (!key.startsWith(prefix)) return;
    const kind = key.slice(prefix.length, prefix.length + 2);
    if (kind === 's:' || kind === 'r:') near.drop(key.slice(prefix.length + 2));
  }

  async set(record: SessionRecord): Promise<void> {
    // Our own write changes the key, which Redis reports too; dropped now so no request of this
    // process can see the old copy in between.
    this.near?.drop(record.digest);
    const ttl = record.expireDate.getTime() - this.now();
    if (ttl <= 0 || this.pendingRevocations.has(record.digest)) return;
    try {
      // A revocation may have landed between our database write and this cache write: the
      // tombstone is read after the write, and if it is there the record is taken back out (the
      // tombstone alone already hides it from readers).
      const recordKey = this.recordKey(record.digest);
      const tombstone = await this.guard(
        () =>
          this.entries.setThenGet(
            { key: recordKey, value: { ...toCached(record), ep: this.epoch }, ttlMs: ttl },
            this.tombstoneKey(record.digest),
          ),
        'write',
      );
      if (tombstone !== undefined && tombstone !== null) {
        await this.guard(() => this.entries.deleteMany([recordKey]), 'delete');
      }
    } catch {
      // The database already holds the truth; a missing cache entry only costs a read.
    }
  }

  async revoke(digests: readonly string[]): Promise<void> {
    if (digests.length === 0) return;
    if (this.near) for (const digest of digests) this.near.drop(digest);
    try {
      await this.writeTombstones(digests);
    } catch {
      this.remember(digests);
    }
  }

  async invalidateUserSessions(): Promise<void> {
    this.near?.dropUserCopies();
    try {
      await this.bumpEpoch();
    } catch {
      this.pendingEpochBump = true;
      this.scheduleRetry();
    }
  }

  /** How many revocations are waiting for the cache to come back (for tests and health checks). */
  get pendingRevocationCount(): number {
    return this.pendingRevocations.size;
  }

  private async writeTombstones(digests: readonly string[]): Promise<void> {
    const keys = digests.map((digest) => this.tombstoneKey(digest));
    await this.guard(
      () => this.entries.setMany(keys.map((key) => ({ key, value: TOMBSTONE, ttlMs: this.options.tombstoneTtlMs }))),
      'write',
    );
    // Some stores answer a write they could not perform with success (a Redis client between
    // connections may drop it): a revocation is only done once the tombstones can be read back.
    const written = await this.guard(() => this.entries.getMany(keys), 'read');
    if (written.some((value) => value === undefined || value === null)) {
      this.health.recordFailure();
      throw new CacheUnavailableError('revocation tombstones did not reach the cache');
    }
    await this.guard(() => this.entries.deleteMany(digests.map((digest) => this.recordKey(digest))), 'delete');
  }

  private async bumpEpoch(): Promise<void> {
    const current = await this.readEpoch();
    // Strictly increasing even if this host's clock is behind the one that wrote last.
    const next = Math.max(this.now(), (typeof current === 'number' ? current : 0) + 1);
    await this.guard(() => this.entries.setMany([{ key: this.epochKey(), value: next }]), 'write');
    const written = await this.readEpoch();
    if (typeof written !== 'number' || written < next) {
      this.health.recordFailure();
      throw new CacheUnavailableError('the user epoch did not reach the cache');
    }
    this.epoch = Math.max(this.epoch, next);
  }

  private async readEpoch(): Promise<unknown> {
    const [epoch] = await this.guard(() => this.entries.getMany([this.epochKey()]), 'read');
    return epoch;
  }

  private remember(digests: readonly string[]): void {
    const lapse = this.now() + this.options.tombstoneTtlMs;
    for (const digest of digests) this.pendingRevocations.set(digest, lapse);
    while (this.pendingRevocations.size > MAX_PENDING_REVOCATIONS) {
      const oldest = this.pendingRevocations.keys().next().value as string;
      this.pendingRevocations.delete(oldest);
      this.warning.warn('Too many revocations are waiting for the session cache; the oldest were dropped.');
    }
    this.scheduleRetry();
  }

  private hasPending(): boolean {
    return this.pendingRevocations.size > 0 || this.pendingEpochBump;
  }

  /**
   * Other processes distrust the cache only for `quarantineMs` after it comes back, so held-back
   * revocations must reach it well within that time even if this process gets no requests.
   */
  private scheduleRetry(): void {
    if (this.retryTimer) return;
    this.retryTimer = setInterval(
      () => {
        if (!this.hasPending()) {
          clearInterval(this.retryTimer!);
          this.retryTimer = null;
        } else if (this.health.canTry() && !this.flushing) {
          void this.flushPending();
        }
      },
      Math.max(50, Math.floor((this.options.retryMs ?? 1000) / 2)),
    );
    this.retryTimer.unref();
  }

  /** Stops the retry timer (the app is shutting down). */
  close(): void {
    if (this.retryTimer) clearInterval(this.retryTimer);
    this.retryTimer = null;
    this.near?.clear();
  }

  /** How many records this process keeps copies of (the `near` option; for tests). */
  get nearCopyCount(): number {
    return this.near?.size ?? 0;
  }

  /** Writes what the outage held back: tombstones first, then the user epoch. */
  private flushPending(): Promise<void> {
    if (this.flushing) return this.flushing;
    // Assigned before the work can finish, and cleared after: a flush with nothing to do must
    // not leave a settled promise behind that would block every later flush.
    this.flushing = this.writePending().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private async writePending(): Promise<void> {
    try {
      const now = this.now();
      for (const [digest, lapse] of this.pendingRevocations) if (lapse <= now) this.pendingRevocations.delete(digest);
      const digests = [...this.pendingRevocations.keys()];
      for (let start = 0; start < digests.length; start += 500) {
        const chunk = digests.slice(start, start + 500);
        await this.writeTombstones(chunk);
        for (const digest of chunk) this.pendingRevocations.delete(digest);
      }
      if (this.pendingEpochBump) {
        await this.bumpEpoch();
        this.pendingEpochBump = false;
      }
    } catch {
      // Still failing: kept for the next attempt.
    }
  }

  private epochKey(): string {
    return `${this.options.keyPrefix}user-epoch`;
  }

  private recordKey(digest: string): string {
    return `${this.options.keyPrefix}s:${digest}`;
  }

  private tombstoneKey(digest: string): string {
    return `${this.options.keyPrefix}r:${digest}`;
  }

  /** Runs one cache operation under the breaker and the timeout; throws when it failed. */
  private async guard<T>(operation: () => Promise<T>, what: string): Promise<T> {
    if (!this.health.canTry()) throw new CacheUnavailableError();
    let result: T;
    try {
      result = await withTimeout(operation(), this.options.timeoutMs, `The session cache (${what})`);
    } catch (error) {
      this.health.recordFailure();
      this.warning.warn(
        `Session cache ${what} failed; using the database until it answers again: ${(error as Error).message || error}`,
      );
      throw error;
    }
    this.health.recordSuccess();
    if (this.hasPending() && !this.flushing) await this.flushPending();
    return result;
  }
}

function isCachedRecord(value: unknown): value is CachedRecord {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Partial<CachedRecord>;
  return typeof record.d === 'string' && typeof record.e === 'number';
}

function toCached(record: SessionRecord): CachedRecord {
  return {
    d: record.data,
    u: record.userId,
    i: record.ip,
    a: record.userAgent,
    e: record.expireDate.getTime(),
    c: record.createdAt.getTime(),
    m: record.updatedAt.getTime(),
  };
}

function fromCached(digest: string, cached: CachedRecord): SessionRecord {
  return {
    digest,
    data: cached.d,
    userId: cached.u ?? null,
    ip: cached.i ?? null,
    userAgent: cached.a ?? null,
    expireDate: new Date(cached.e),
    createdAt: new Date(cached.c ?? cached.e),
    updatedAt: new Date(cached.m ?? cached.e),
  };
}
