import { randomUUID } from 'node:crypto';
import type { RevocationLedger } from '../session/revocation-ledger.js';
import { ABSENT_TTL_MS, type CacheLookup, type RevokeOptions, type SessionCache } from '../session/session-cache.js';
import type { SessionRecord } from '../session/session-record.js';
import { NO_SESSION_TELEMETRY, type SessionTelemetry } from '../session/session-telemetry.js';
import { endOfTurn } from '../util/end-of-turn.js';
import { ThrottledWarning, type WarningSink } from '../util/warn-once.js';
import { withTimeout } from '../util/with-timeout.js';
import type { CacheEntries, MaybePromise } from './cache-entries.js';
import type { CacheKeys } from './cache-keys.js';
import { CacheTrust, type CacheTrustTimings } from './cache-trust.js';
import { fromCached, isCachedRecord, SharedTexts, toCached, type CachedRecord } from './cached-record.js';

/** Options of {@link KeyValueSessionCache}. */
export interface KeyValueSessionCacheOptions {
  keys: CacheKeys;
  /** Longest time one operation on a cache server may take before it counts as failed. */
  timeoutMs: number;
  /** How long a revocation tombstone lives: longer than any request that could still write. */
  tombstoneTtlMs: number;
  /** After a failure, how long requests skip the cache before it is probed again. Default 1 s. */
  retryMs?: number;
  /**
   * Which records a move of the epoch sends back to the database: `'all'` in a shared cache (it
   * also moves when the cache lost data, tombstones included), `'signed-in'` in this process's
   * memory (it moves only when users are deleted by query).
   */
  epochReach: 'all' | 'signed-in';
  /** Keep one copy of each recent User-Agent and IP text (for values kept in this process as given). */
  shareTexts?: boolean;
  /**
   * What makes a revocation hold whatever a shared cache loses (the app's shared caches have it;
   * the commands and this process's memory do without): revocations the cache cannot take are
   * held in `ledger` and written by whichever process reaches the cache first, and records are
   * served only while a recent check (see CacheTrust) found nothing missing.
   */
  guarantee?: {
    ledger: RevocationLedger;
    timings: CacheTrustTimings;
    /** Subscribes to signs that the cache may have lost data (its connection dropped). */
    onConnectionLost?: (listener: () => void) => void;
  };
  /** Where lookups and breaker openings are reported (metrics); nowhere by default. */
  telemetry?: SessionTelemetry;
  /** The entries answer from copies of a shared cache kept in this process (a near cache): such answers are near hits. */
  nearCache?: boolean;
}

const TOMBSTONE = 1;
// Held revocations written to the cache per pass of a check.
const HELD_BATCH = 500;
const REVOKED: CacheLookup = Object.freeze({ kind: 'revoked' });
const ABSENT: CacheLookup = Object.freeze({ kind: 'absent' });
const MISS: CacheLookup = Object.freeze({ kind: 'miss' });

/** How long a revocation tombstone lives: longer than any request that may still write the session. */
export const TOMBSTONE_TTL_MS = 10 * 60 * 1000;

/**
 * The circuit breaker of a {@link KeyValueSessionCache} as it stands (see its guard()): `closed`,
 * operations go to the cache; `open`, they are skipped (the database answers) until `nextProbeAt`;
 * `half-open`, that time has passed and the next operation tries the cache again. Times are
 * milliseconds since the epoch, by the module's clock; null while closed.
 */
export interface CacheBreakerState {
  state: 'closed' | 'open' | 'half-open';
  /** When the breaker opened: the first failure since the cache last answered. */
  openedAt: number | null;
  /** The latest failure (a failed probe moves it, and `nextProbeAt` with it). */
  lastFailureAt: number | null;
  /** When the next operation may try the cache again. */
  nextProbeAt: number | null;
}

/** The cache could not be used for this operation (failing, timed out, or skipped while down). */
class CacheUnavailableError extends Error {}

/**
 * The one implementation of the `cached_db` engine's cache rules, over any {@link CacheEntries}
 * adapter (this process's memory, a cache-manager cache, Redis with or without its near cache).
 *
 * - Records and tombstones live under two keys per session: writers only write the record key,
 *   so a late write never erases a tombstone, and a reader that sees one answers "revoked". A
 *   save reads the tombstone back after its write and takes the record out again if it is there.
 * - A cache that fails or is slower than `timeoutMs` is skipped (the database answers) and
 *   probed again after `retryMs` (a circuit breaker); answers an adapter has at hand are taken
 *   as they are, with no timer and no promise.
 * - Deleting users by query, or a cache found to have lost data, moves the epoch: every record
 *   cached before (within `epochReach`) is re-read from the database once.
 * - With a `guarantee`: a revocation the cache cannot take is held in the database ledger and
 *   returns only once every process still reading the cache must have written it there (see
 *   {@link CacheTrust}); a cache that lost data is detected by its incarnation key.
 */
export class KeyValueSessionCache implements SessionCache {
  private readonly warning: ThrottledWarning;
  /** The circuit breaker: when the cache last failed (null: healthy); see guard(). */
  private failedAt: number | null = null;
  /** When the breaker opened: the first failure since the cache last answered (null: closed). */
  private openedAt: number | null = null;
  /** The key names of this cache (the app's `cache.keyPrefix`; none in this process's memory). */
  readonly keys: CacheKeys;
  /** The newest epoch this process has seen in the cache: records cached before it are re-read. */
  private epoch = 0;
  /** Revocations the cache did not take, answered here at once: digest → until when (see holdUntilSeen). */
  private readonly revokedHere = new Map<string, number>();
  private readonly texts: SharedTexts | null;
  private readonly trust: CacheTrust | null = null;
  private readonly telemetry: SessionTelemetry;
  private readonly nearCache: boolean;

  constructor(
    /** The adapter the rules run over. */
    readonly entries: CacheEntries,
    private readonly options: KeyValueSessionCacheOptions,
    logger: WarningSink,
    private readonly now: () => number = Date.now,
  ) {
    this.keys = options.keys;
    this.warning = new ThrottledWarning(logger, 60_000);
    this.texts = options.shareTexts ? new SharedTexts() : null;
    this.telemetry = options.telemetry ?? NO_SESSION_TELEMETRY;
    this.nearCache = options.nearCache === true;
    const guarantee = options.guarantee;
    if (guarantee) {
      this.trust = new CacheTrust(guarantee.timings, () => this.check(guarantee.ledger), now);
      guarantee.onConnectionLost?.(() => this.trust!.distrust());
      this.trust.start();
    }
  }

  async get(digest: string): Promise<CacheLookup> {
    if (this.isRevokedHere(digest)) return this.counted(REVOKED, false);
    if (this.entries.answersLocally) {
      // A hit answered from this process would otherwise finish the whole request inside the
      // socket's read callback, one request at a time. Yielding once lets Node read every socket
      // that is ready before the requests go on, as they do when the answer comes from a server
      // (see docs/performance.md); the yield is shared by the lookups of one turn. It also means
      // every invalidation that reached this process before the request did has been applied.
      await endOfTurn();
      if (this.isRevokedHere(digest)) return this.counted(REVOKED, false);
    }
    const { keys, entries } = this;
    try {
      const read = entries.readSession
        ? entries.readSession(digest)
        : this.guard(
            () => entries.getMany([keys.record(digest), keys.tombstone(digest), keys.epoch, keys.absent(digest)]),
            'read',
          );
      const local = !(read instanceof Promise);
      const values = local ? read : await read;
      return this.counted(this.answer(digest, values[0], present(values[1]), values[2], present(values[3])), local);
    } catch {
      return this.counted(MISS, false);
    }
  }

  /** Reports a lookup's answer (a hit answered from this process's copy of Redis is a near hit too). */
  private counted(lookup: CacheLookup, local: boolean): CacheLookup {
    if (lookup === MISS) this.telemetry.cacheMiss();
    else this.telemetry.cacheHit(local && this.nearCache);
    return lookup;
  }

  /** What one read of the cache answers, given the values read together. */
  private answer(digest: string, record: unknown, revoked: boolean, epoch: unknown, absent: boolean): CacheLookup {
    if (revoked) return REVOKED;
    if (typeof epoch === 'number' && epoch > this.epoch) this.epoch = epoch;
    if (!isCachedRecord(record)) {
      // A record, when there is one, always wins over a remembered absence. Anything else under
      // the record key (a value of an older format) is a miss: the database answers.
      return absent && record === undefined && this.isTrusted() ? ABSENT : MISS;
    }
    // An expired copy is a miss: the database read that follows counts the session as expired.
    if (record.e <= this.now() || !this.mayServe(record)) return MISS;
    return { kind: 'hit', record: fromCached(digest, record) };
  }

  /** Whether a cached record may be answered as a hit. */
  private mayServe(record: CachedRecord): boolean {
    // Not checked recently: the cache may have lost revocations this process has not seen.
    if (!this.isTrusted()) return false;
    if (record.u === null && this.options.epochReach === 'signed-in') return true;
    // Cached before the epoch moved (users deleted, or the cache lost data): ask the database once.
    return (record.ep ?? 0) >= this.epoch;
  }

  private isTrusted(): boolean {
    return this.trust === null || this.trust.trusted();
  }

  private isRevokedHere(digest: string): boolean {
    if (this.revokedHere.size === 0) return false;
    const until = this.revokedHere.get(digest);
    if (until === undefined) return false;
    if (until > this.now()) return true;
    this.revokedHere.delete(digest);
    return false;
  }

  async set(record: SessionRecord): Promise<void> {
    const ttl = record.expireDate.getTime() - this.now();
    if (ttl <= 0 || this.isRevokedHere(record.digest)) return;
    try {
      // A revocation may have landed between our database write and this cache write: the
      // tombstone is read after the write, and if it is there the record is taken back out (the
      // tombstone alone already hides it from readers).
      const recordKey = this.keys.record(record.digest);
      const entry = { key: recordKey, value: toCached(record, this.epoch, this.texts), ttlMs: ttl };
      const tombstone = await this.guard(
        () => this.entries.setThenGet(entry, this.keys.tombstone(record.digest)),
        'write',
      );
      if (present(tombstone)) await this.guard(() => this.entries.deleteMany([recordKey]), 'delete');
    } catch {
      // The database already holds the truth; a missing cache entry only costs a read.
    }
  }

  async rememberAbsent(digest: string): Promise<void> {
    try {
      const absentKey = this.keys.absent(digest);
      const entry = { key: absentKey, value: 1, ttlMs: ABSENT_TTL_MS };
      const record = await this.guard(() => this.entries.setThenGet(entry, this.keys.record(digest)), 'write');
      // The session was created (and cached) while the database was read: the mark goes again.
      if (present(record)) await this.guard(() => this.entries.deleteMany([absentKey]), 'delete');
    } catch {
      // Only a query saved next time.
    }
  }

  async revoke(digests: readonly string[], { durable = true }: RevokeOptions = {}): Promise<void> {
    if (digests.length === 0) return;
    try {
      await this.writeTombstones(digests);
    } catch {
      if (durable) await this.holdUntilSeen(digests);
    }
  }

  async invalidateUserSessions(): Promise<void> {
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
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, heldAt + this.trust!.trustMs - this.now())));
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
   * The incarnation key holds the cache server's identity (Redis's run_id) or a random id.
   * Missing or different: the cache restarted from an older snapshot, was flushed or replaced,
   * and may hold records whose tombstones it lost, so the epoch moves.
   */
  private async checkIncarnation(): Promise<void> {
    const key = this.keys.incarnation;
    const [stored] = await this.guard(() => this.entries.getMany([key]), 'read');
    const server = this.entries.serverId ? await this.guard(() => this.entries.serverId!(), 'read') : null;
    if (typeof stored === 'string' && (server === null || stored === server)) return;
    await this.bumpEpoch();
    await this.guard(() => this.entries.setMany([{ key, value: server ?? randomUUID() }]), 'write');
  }

  private async writeTombstones(digests: readonly string[]): Promise<void> {
    const keys = digests.map((digest) => this.keys.tombstone(digest));
    const tombstones = keys.map((key) => ({ key, value: TOMBSTONE, ttlMs: this.options.tombstoneTtlMs }));
    const records = digests.map((digest) => this.keys.record(digest));
    await this.guard(() => this.entries.writeAndDelete(tombstones, records), 'write');
    // Read back in a round trip of its own: some stores answer a write they dropped with success
    // (a Redis client between connections). And by this answer Redis has sent the write's
    // invalidations to every near cache (replies on one connection come in order), so a request
    // caused by this revocation's response finds the copies gone on every process.
    const written = await this.guard(() => this.entries.getMany(keys), 'read');
    if (written.some((value) => !present(value))) this.lost('revocation tombstones did not reach the cache');
  }

  private async bumpEpoch(): Promise<void> {
    const current = await this.readEpoch();
    // Strictly increasing even if this host's clock is behind the one that wrote last.
    const next = Math.max(this.now(), (typeof current === 'number' ? current : 0) + 1);
    await this.guard(() => this.entries.setMany([{ key: this.keys.epoch, value: next }]), 'write');
    const written = await this.readEpoch();
    if (typeof written !== 'number' || written < next) this.lost('the epoch did not reach the cache');
    this.epoch = Math.max(this.epoch, next);
  }

  private async readEpoch(): Promise<unknown> {
    const [epoch] = await this.guard(() => this.entries.getMany([this.keys.epoch]), 'read');
    return epoch;
  }

  /** A write the cache answered but did not keep: what it holds is in doubt until checked. */
  private lost(what: string): never {
    this.trip();
    this.trust?.distrust();
    throw new CacheUnavailableError(what);
  }

  /** Stops the trust check and lets go of what the adapter holds (the app is shutting down). */
  close(): void {
    this.trust?.close();
    this.texts?.clear();
    this.entries.close?.();
  }

  /** Opens the breaker (or keeps it open): operations skip the cache for `retryMs`. */
  private trip(): void {
    // An opening from closed is reported (metrics); a failed probe while open is not a new one.
    if (this.failedAt === null) this.telemetry.cacheBreakerOpened();
    this.failedAt = this.now();
    this.openedAt ??= this.failedAt;
  }

  private get retryMs(): number {
    return this.options.retryMs ?? 1000;
  }

  /** The circuit breaker as it stands, for health checks: reading it changes nothing. */
  breakerState(): CacheBreakerState {
    const { failedAt, openedAt } = this;
    if (failedAt === null) return { state: 'closed', openedAt: null, lastFailureAt: null, nextProbeAt: null };
    const nextProbeAt = failedAt + this.retryMs;
    return { state: this.now() < nextProbeAt ? 'open' : 'half-open', openedAt, lastFailureAt: failedAt, nextProbeAt };
  }

  /**
   * Whether cached records may be served now: always for a cache without the guarantee; for a
   * shared one, while its last trust check succeeded recently (see CacheTrust). For health checks.
   */
  get trusted(): boolean {
    return this.isTrusted();
  }

  /**
   * Runs one cache operation under the breaker and, when it waits on a server, the timeout;
   * throws when it failed. An answer the adapter had at hand is returned as it is.
   */
  private guard<T>(operation: () => MaybePromise<T>, what: string): MaybePromise<T> {
    if (this.failedAt !== null && this.now() - this.failedAt < this.retryMs) {
      throw new CacheUnavailableError();
    }
    const result = operation();
    if (!(result instanceof Promise)) return result;
    return withTimeout(result, this.options.timeoutMs, `The session cache (${what})`).then(
      (value) => {
        this.failedAt = null;
        this.openedAt = null;
        return value;
      },
      (error: unknown) => {
        this.trip();
        // The operation may or may not have happened: what the cache holds is in doubt until checked.
        this.trust?.distrust();
        this.warning.warn(
          `Session cache ${what} failed; using the database until it answers again: ${(error as Error).message || error}`,
        );
        throw error;
      },
    );
  }
}

/** A value the cache holds under a key (a tombstone, an absence mark). */
function present(value: unknown): boolean {
  return value !== undefined && value !== null;
}
