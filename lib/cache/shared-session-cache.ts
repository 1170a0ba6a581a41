import { randomUUID } from 'node:crypto';
import type { RevocationLedger } from '../session/revocation-ledger.js';
import { ABSENT_TTL_MS, type CacheLookup, type RevokeOptions, type SessionCache } from '../core/session-cache.js';
import type { SessionRecord } from '../session/session-record.js';
import { endOfTurn } from '../util/end-of-turn.js';
import { ThrottledWarning, type WarningSink } from '../util/warn-once.js';
import { withTimeout } from '../util/with-timeout.js';
import type { CacheEntries } from './cache-entries.js';
import { CacheHealth } from './cache-health.js';
import { CacheTrust, type CacheTrustTimings } from './cache-trust.js';
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
  /**
   * What makes a revocation hold whatever the cache loses (the app's engine always has it; the
   * command-line tools, which serve no session, do without): revocations the cache cannot take
   * are held in `ledger` and written by whichever process reaches the cache first, and records
   * are served only while a recent check (see CacheTrust) found nothing missing.
   */
  guarantee?: {
    ledger: RevocationLedger;
    timings: CacheTrustTimings;
    /** Subscribes to signs that the cache may have lost data (its connection dropped). */
    onConnectionLost?: (listener: () => void) => void;
  };
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
// Held revocations written to the cache per pass of a check.
const HELD_BATCH = 500;

/**
 * How long a revocation tombstone lives: longer than any request that may still write the
 * revoked session (shared by the app and the `import` command).
 */
export const TOMBSTONE_TTL_MS = 10 * 60 * 1000;

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
 * - With a `guarantee`: a revocation the cache cannot take is held in the database ledger and
 *   returns only once every process still reading the cache must have written it there (see
 *   {@link CacheTrust}); a cache that lost data (restarted from an old snapshot, flushed, or
 *   replaced) is detected by its incarnation key and every record cached before is re-read from
 *   the database once (the epoch).
 */
export class SharedSessionCache implements SessionCache {
  private readonly warning: ThrottledWarning;
  private readonly health: CacheHealth;
  /** The newest epoch this process has seen in the cache: records cached before it are re-read. */
  private epoch = 0;
  /**
   * Revocations this process made that the cache did not take, answered here at once: digest →
   * until when (by then every process has written them to the cache from the ledger).
   */
  private readonly revokedHere = new Map<string, number>();
  /** This process's copies of records read from the cache (the `near` option). */
  private readonly near: NearCache<CachedRecord> | null = null;
  private readonly trust: CacheTrust | null = null;

  constructor(
    private readonly entries: CacheEntries,
    private readonly options: SharedSessionCacheOptions,
    logger: WarningSink,
    private readonly now: () => number = Date.now,
  ) {
    this.warning = new ThrottledWarning(logger, 60_000);
    this.health = new CacheHealth({ retryMs: options.retryMs ?? 1000 }, now);
    if (options.near) {
      this.near = new NearCache(options.near.capacity, options.near.changes);
      options.near.changes.onInvalidate((key) => this.keyChanged(key));
    }
    const guarantee = options.guarantee;
    if (guarantee) {
      this.trust = new CacheTrust(guarantee.timings, () => this.check(guarantee.ledger), now);
      guarantee.onConnectionLost?.(() => this.trust!.distrust());
      this.trust.start();
    }
  }

  async get(digest: string): Promise<CacheLookup> {
    if (this.isRevokedHere(digest)) return { kind: 'revoked' };
    if (this.near) {
      // Hits answered from this process would otherwise finish each request inside its socket's
      // read callback, one at a time (see MemorySessionCache.get). Waiting for the end of the
      // turn also means every invalidation that reached this process before the request did has
      // been handled by the time the copy is looked at.
      await endOfTurn();
      if (this.isRevokedHere(digest)) return { kind: 'revoked' };
      const copy = this.nearCopy(digest);
      if (copy) return { kind: 'hit', record: fromCached(digest, copy) };
    }
    let ticket = this.near?.beginRead(digest) ?? null;
    try {
      const [record, tombstone, epoch, absent] = await this.guard(
        () =>
          this.entries.getMany([
            this.recordKey(digest),
            this.tombstoneKey(digest),
            this.epochKey(),
            this.absentKey(digest),
          ]),
        'read',
      );
      const kind = this.answer(record, present(tombstone), epoch, present(absent));
      if (kind !== 'hit') return { kind };
      const cached = record as CachedRecord;
      if (ticket !== null) {
        this.near!.endRead(digest, ticket, { value: cached, hasUser: cached.u !== null });
        ticket = null;
      }
      return { kind: 'hit', record: fromCached(digest, cached) };
    } catch {
      return { kind: 'miss' };
    } finally {
      if (ticket !== null) this.near!.endRead(digest, ticket);
    }
  }

  /** This process's copy of `digest` when it may be served now (unexpired, trusted, current). */
  private nearCopy(digest: string): CachedRecord | undefined {
    const copy = this.near!.get(digest);
    if (copy === undefined) return undefined;
    if (copy.e <= this.now()) {
      this.near!.drop(digest);
      return undefined;
    }
    // A bump of the epoch drops every copy (keyChanged), so none is compared here.
    return this.mayServe(copy, undefined) ? copy : undefined;
  }

  /** What one read of the shared cache answers, given the values read together. */
  private answer(record: unknown, revoked: boolean, epoch: unknown, absent: boolean): CacheLookup['kind'] {
    if (revoked) return 'revoked';
    if (typeof epoch === 'number' && epoch > this.epoch) this.epoch = epoch;
    if (!isCachedRecord(record)) {
      // A record, when there is one, always wins over a remembered absence.
      return absent && record === undefined && this.isTrusted() ? 'absent' : 'miss';
    }
    return this.mayServe(record, typeof epoch === 'number' ? epoch : undefined) ? 'hit' : 'miss';
  }

  /** Whether a cached record may be answered as a hit, given the epoch read with it. */
  private mayServe(record: CachedRecord, epoch: number | undefined): boolean {
    // Not checked recently: the cache may have lost revocations this process has not seen.
    if (!this.isTrusted()) return false;
    // Cached before the epoch moved (users deleted, or the cache lost data): ask the database once.
    return (record.ep ?? 0) >= Math.max(this.epoch, epoch ?? 0);
  }

  private isTrusted(): boolean {
    return this.trust === null || this.trust.trusted();
  }

  private isRevokedHere(digest: string): boolean {
    const until = this.revokedHere.get(digest);
    if (until === undefined) return false;
    if (until > this.now()) return true;
    this.revokedHere.delete(digest);
    return false;
  }

  /** A key of ours changed in the cache (or every key, `null`): the copies behind it go. */
  private keyChanged(key: string | null): void {
    const near = this.near!;
    if (key === null) return near.clear();
    if (key === this.epochKey()) return near.clear();
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
    if (ttl <= 0 || this.isRevokedHere(record.digest)) return;
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

  async rememberAbsent(digest: string): Promise<void> {
    try {
      const absentKey = this.absentKey(digest);
      const record = await this.guard(
        () => this.entries.setThenGet({ key: absentKey, value: 1, ttlMs: ABSENT_TTL_MS }, this.recordKey(digest)),
        'write',
      );
      // The session was created (and cached) while the database was read: the mark goes again.
      if (record !== undefined && record !== null)
        await this.guard(() => this.entries.deleteMany([absentKey]), 'delete');
    } catch {
      // Only a query saved next time.
    }
  }

  async revoke(digests: readonly string[], { durable = true }: RevokeOptions = {}): Promise<void> {
    if (digests.length === 0) return;
    if (this.near) for (const digest of digests) this.near.drop(digest);
    try {
      await this.writeTombstones(digests);
    } catch {
      if (durable) await this.holdUntilSeen(digests);
    }
  }

  async invalidateUserSessions(): Promise<void> {
    this.near?.clear();
    try {
      await this.bumpEpoch();
    } catch {
      await this.holdUntilSeen(null);
    }
  }

  /**
   * A revocation the cache did not take: held in the ledger (durable, so no restart loses it),
   * answered by this process at once, and returned only when every process still reading the
   * cache has run a check since, which wrote it there.
   */
  private async holdUntilSeen(digests: readonly string[] | null): Promise<void> {
    if (!this.trust) {
      this.warning.warn('A revocation did not reach the session cache; it holds until the cache entry expires.');
      return;
    }
    const now = this.now();
    // One lifetime for all, so insertion order is lapse order: the lapsed ones are at the front.
    for (const [digest, lapse] of this.revokedHere) {
      if (lapse > now) break;
      this.revokedHere.delete(digest);
    }
    for (const digest of digests ?? []) {
      this.revokedHere.delete(digest);
      this.revokedHere.set(digest, now + 2 * this.trust.trustMs);
    }
    this.trust.distrust();
    // Throws if the database cannot take it either: the caller must not be told it is done.
    await this.options.guarantee!.ledger.hold(digests);
    const heldAt = this.now();
    void this.trust.run();
    await sleep(heldAt + this.trust.trustMs - this.now());
  }

  /**
   * The trust check: writes every held revocation to the cache, then makes sure the cache still
   * is the one whose revocations this process has seen. Throws when either cannot be done.
   */
  private async check(ledger: RevocationLedger): Promise<void> {
    for (;;) {
      const held = await withTimeout(ledger.held(HELD_BATCH), this.options.timeoutMs * 10, 'Reading held revocations');
      if (held.length === 0) break;
      const digests = held.flatMap((entry) => (entry.digest === null ? [] : [entry.digest]));
      if (digests.length > 0) await this.writeTombstones(digests);
      if (digests.length < held.length) await this.bumpEpoch();
      await ledger.release(held.map((entry) => entry.id));
      if (held.length < HELD_BATCH) break;
    }
    await this.checkIncarnation();
  }

  /**
   * The incarnation key holds the identity of the cache server (Redis's run_id) or, where the
   * client cannot tell, a random id. Missing or different: the cache restarted from an older
   * snapshot, was flushed or replaced, and may hold records whose tombstones it lost, so the
   * epoch moves (every record cached before is re-read from the database once).
   */
  private async checkIncarnation(): Promise<void> {
    const key = `${this.options.keyPrefix}incarnation`;
    const [stored] = await this.guard(() => this.entries.getMany([key]), 'read');
    const server = this.entries.serverId ? await this.guard(() => this.entries.serverId!(), 'read') : null;
    if (typeof stored === 'string' && (server === null || stored === server)) return;
    await this.bumpEpoch();
    await this.guard(() => this.entries.setMany([{ key, value: server ?? randomUUID() }]), 'write');
  }

  private async writeTombstones(digests: readonly string[]): Promise<void> {
    const keys = digests.map((digest) => this.tombstoneKey(digest));
    await this.guard(
      () =>
        this.entries.writeAndDelete(
          keys.map((key) => ({ key, value: TOMBSTONE, ttlMs: this.options.tombstoneTtlMs })),
          digests.map((digest) => this.recordKey(digest)),
        ),
      'write',
    );
    // Read back in a round trip of its own. Some stores answer a write they could not perform
    // with success (a Redis client between connections may drop it), so a revocation is only done
    // once its tombstones can be read. And by the time this answer is in, Redis has long sent the
    // invalidations of the write to every near cache: the reply to a later command on one
    // connection comes after them, so a process that gets a request caused by this revocation's
    // response has already dropped its copy.
    const written = await this.guard(() => this.entries.getMany(keys), 'read');
    if (written.some((value) => !present(value))) {
      this.health.recordFailure();
      this.trust?.distrust();
      throw new CacheUnavailableError('revocation tombstones did not reach the cache');
    }
  }

  private async bumpEpoch(): Promise<void> {
    const current = await this.readEpoch();
    // Strictly increasing even if this host's clock is behind the one that wrote last.
    const next = Math.max(this.now(), (typeof current === 'number' ? current : 0) + 1);
    await this.guard(() => this.entries.setMany([{ key: this.epochKey(), value: next }]), 'write');
    const written = await this.readEpoch();
    if (typeof written !== 'number' || written < next) {
      this.health.recordFailure();
      this.trust?.distrust();
      throw new CacheUnavailableError('the epoch did not reach the cache');
    }
    this.epoch = Math.max(this.epoch, next);
  }

  private async readEpoch(): Promise<unknown> {
    const [epoch] = await this.guard(() => this.entries.getMany([this.epochKey()]), 'read');
    return epoch;
  }

  /** Stops the trust check (the app is shutting down). */
  close(): void {
    this.trust?.close();
    this.near?.clear();
  }

  /** How many records this process keeps copies of (the `near` option; for tests). */
  get nearCopyCount(): number {
    return this.near?.size ?? 0;
  }

  private epochKey(): string {
    return `${this.options.keyPrefix}epoch`;
  }

  private recordKey(digest: string): string {
    return `${this.options.keyPrefix}s:${digest}`;
  }

  private absentKey(digest: string): string {
    return `${this.options.keyPrefix}a:${digest}`;
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
      // The operation may or may not have happened: what the cache holds is in doubt until checked.
      this.trust?.distrust();
      this.warning.warn(
        `Session cache ${what} failed; using the database until it answers again: ${(error as Error).message || error}`,
      );
      throw error;
    }
    this.health.recordSuccess();
    return result;
  }
}

/** A value the cache holds under a key (a tombstone, an absence mark). */
function present(value: unknown): boolean {
  return value !== undefined && value !== null;
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

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}
