import type { Cache } from 'cache-manager';
import type { CacheLookup, SessionCache } from '../core/session-cache.js';
import type { SessionRecord } from '../core/session-record.js';
import { ThrottledWarning, type WarningSink } from '../core/warn-once.js';
import { withTimeout } from '../core/with-timeout.js';

/** Options of {@link CacheManagerSessionCache}. */
export interface CacheManagerSessionCacheOptions {
  /** Prefix of every key this library writes. */
  keyPrefix: string;
  /** Longest time one cache operation may take before it counts as a miss. */
  timeoutMs: number;
  /** How long a revocation tombstone lives: longer than any request that could still write. */
  tombstoneTtlMs: number;
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
 * The cache port over a cache-manager 7 cache (in-memory, Redis, or the app's own
 * `CACHE_MANAGER`). Records and revocation tombstones live under two keys per session:
 * writers only ever write the record key, so a late write can never erase a tombstone, and a
 * reader that sees the tombstone answers "revoked" whatever the record key holds.
 */
export class CacheManagerSessionCache implements SessionCache {
  private readonly warning: ThrottledWarning;
  /** The newest user-deletion epoch this process has seen in the cache. */
  private epoch = 0;

  constructor(
    private readonly cache: Cache,
    private readonly options: CacheManagerSessionCacheOptions,
    logger: WarningSink,
    private readonly now: () => number = Date.now,
  ) {
    this.warning = new ThrottledWarning(logger, 60_000);
  }

  async get(digest: string): Promise<CacheLookup> {
    try {
      const [record, tombstone, epoch] = await this.guard(
        this.cache.mget<CachedRecord | typeof TOMBSTONE | number>([
          this.recordKey(digest),
          this.tombstoneKey(digest),
          this.epochKey(),
        ]),
        'read',
      );
      if (tombstone !== undefined && tombstone !== null) return { kind: 'revoked' };
      if (typeof epoch === 'number' && epoch > this.epoch) this.epoch = epoch;
      if (!isCachedRecord(record)) return { kind: 'miss' };
      // Cached before users were deleted: its user may be gone, so ask the database once.
      if (record.u !== null && typeof epoch === 'number' && (record.ep ?? 0) < epoch) return { kind: 'miss' };
      return { kind: 'hit', record: fromCached(digest, record) };
    } catch {
      return { kind: 'miss' };
    }
  }

  async set(record: SessionRecord): Promise<void> {
    const ttl = record.expireDate.getTime() - this.now();
    if (ttl <= 0) return;
    try {
      await this.guard(
        this.cache.set(this.recordKey(record.digest), { ...toCached(record), ep: this.epoch }, ttl),
        'write',
      );
      // A revocation may have landed between our database write and the cache write above:
      // if so, take the record back out (the tombstone alone already hides it from readers).
      const tombstone = await this.guard(this.cache.get(this.tombstoneKey(record.digest)), 'read');
      if (tombstone !== undefined && tombstone !== null) {
        await this.guard(this.cache.del(this.recordKey(record.digest)), 'delete');
      }
    } catch {
      // Reported by guard(); the database already holds the truth.
    }
  }

  async revoke(digests: readonly string[]): Promise<void> {
    if (digests.length === 0) return;
    try {
      await this.guard(
        this.cache.mset(
          digests.map((digest) => ({
            key: this.tombstoneKey(digest),
            value: TOMBSTONE,
            ttl: this.options.tombstoneTtlMs,
          })),
        ),
        'write',
      );
      await this.guard(this.cache.mdel(digests.map((digest) => this.recordKey(digest))), 'delete');
    } catch {
      // Reported by guard().
    }
  }

  async invalidateUserSessions(): Promise<void> {
    try {
      const current = await this.guard(this.cache.get<number>(this.epochKey()), 'read');
      // Strictly increasing even if this host's clock is behind the one that wrote last.
      const next = Math.max(this.now(), (typeof current === 'number' ? current : 0) + 1);
      await this.guard(this.cache.set(this.epochKey(), next), 'write');
      this.epoch = Math.max(this.epoch, next);
    } catch {
      // Reported by guard().
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

  private async guard<T>(operation: Promise<T>, what: string): Promise<T> {
    try {
      return await withTimeout(operation, this.options.timeoutMs, `The session cache (${what})`);
    } catch (error) {
      this.warning.warn(
        `Session cache ${what} failed, falling back to the database: ${(error as Error).message ?? error}`,
      );
      throw error;
    }
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
