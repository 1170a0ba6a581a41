import type { Cache } from 'cache-manager';
import type { DataSource } from 'typeorm';
import { CachedSessionStore } from '../../core/cached-session-store.js';
import type { SessionStore } from '../../core/session-store.js';
import { TypeOrmSessionStore } from '../../typeorm/typeorm-session-store.js';
import { QSessionsCommandError } from '../command-error.js';
import { DEFAULT_CLEAR_BATCH_SIZE, describeCount } from './clear-count.js';
import { openEvictionCache, type EvictionCache } from './eviction-cache.js';
import { openGivenDataSource } from './prepare-data-source.js';

const MAX_BATCH_SIZE = 100_000;

/** Options of {@link clearExpiredSessions}. */
export interface ClearExpiredSessionsOptions {
  /**
   * The app's TypeORM DataSource, or the path of a data source file loaded as the TypeORM CLI
   * loads one (default export or single named export; it must call setQSessionUserEntity(User)
   * and list QSession and User in `entities`). A DataSource this function initialised is
   * destroyed at the end; one already initialised is left open.
   */
  dataSource: DataSource | string;
  /** Rows deleted per batch (and per cache eviction). Default 1000. */
  batchSize?: number;
  /** Redis of the app's cached_db engine (its `cache.redisUrl`): deleted sessions are evicted there too. */
  redisUrl?: string;
  /** Or the cache-manager cache the app's cached_db engine uses (e.g. its CACHE_MANAGER). */
  cache?: Cache;
  /** Key prefix of that cache (the app's `cache.keyPrefix`). Default `qsessions:`. */
  cachePrefix?: string;
  /** Called after each batch with the number deleted so far. */
  onBatch?: (deletedSoFar: number) => void;
  /** Stops between two batches (each batch is deleted and evicted as a whole). */
  signal?: AbortSignal;
}

/**
 * Deletes expired sessions, as `qsessions clear-expired` does: in batches of `batchSize` rows
 * (never the whole result set in memory), each batch deleted from the database and then evicted
 * from the session cache with the same revocation tombstones the app's cached_db engine writes.
 * Resolves to how many sessions were deleted. Throws a {@link QSessionsCommandError} that says
 * how to fix the problem (bad data source file, unreachable cache...).
 */
export async function clearExpiredSessions(options: ClearExpiredSessionsOptions): Promise<number> {
  const batchSize = options.batchSize ?? DEFAULT_CLEAR_BATCH_SIZE;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
    throw new QSessionsCommandError(
      `The batch size must be a whole number from 1 to ${MAX_BATCH_SIZE}; got ${String(batchSize)}.`,
      2,
    );
  }
  if (options.redisUrl !== undefined && options.cache !== undefined) {
    throw new QSessionsCommandError('Give either a Redis URL or a cache, not both.', 2);
  }
  const keyPrefix = options.cachePrefix ?? 'qsessions:';

  const { dataSource, opened } = await openGivenDataSource(options.dataSource);

  let cache: EvictionCache | undefined;
  try {
    if (options.redisUrl !== undefined || options.cache !== undefined) {
      cache = await openEvictionCache({ redisUrl: options.redisUrl, cache: options.cache }, keyPrefix);
    }
    const database = new TypeOrmSessionStore(dataSource);
    // The engine's own store: database first, then tombstones (see CachedSessionStore).
    const store: SessionStore = cache ? new CachedSessionStore(database, cache.sessionCache) : database;

    let total = 0;
    let unconfirmed = 0;
    for (;;) {
      if (options.signal?.aborted)
        throw new QSessionsCommandError(`Interrupted after deleting ${describeCount(total)}.`);
      const batch = await store.deleteExpiredBatch(batchSize);
      total += batch.length;
      // The cache port reports failures instead of throwing; a tombstone that reads back is proof.
      if (cache && batch.length > 0 && !(await cache.holdsTombstone(batch[batch.length - 1]!))) unconfirmed++;
      if (batch.length > 0) options.onBatch?.(total);
      if (batch.length < batchSize) break;
    }

    if (cache && (cache.problems.length > 0 || unconfirmed > 0)) {
      throw new QSessionsCommandError(
        `Deleted ${describeCount(total)} from the database, but evicting them from the session cache ` +
          `(${cache.description}) failed${cache.problems.length > 0 ? `: ${cache.problems[0]}` : ''}. ` +
          'No expired session can be used through them (a cache hit is checked against its expiry, and the ' +
          'entries expire with the session), but check the cache: the app falls back to the database without it.',
      );
    }
    return total;
  } finally {
    await cache?.close().catch(() => undefined);
    if (opened) await dataSource.destroy().catch(() => undefined);
  }
}
