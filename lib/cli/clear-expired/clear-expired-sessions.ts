import type { DataSource } from 'typeorm';
import { TypeOrmSessionStore } from '../../typeorm/typeorm-session-store.js';
import { openCommandHistory, type CommandHistory } from './command-history.js';
import { QSessionsCommandError } from '../command-error.js';
import { DEFAULT_CLEAR_BATCH_SIZE, describeCount, NO_CACHE_EVICTION } from './clear-count.js';
import { openGivenDataSource } from './prepare-data-source.js';

const MAX_BATCH_SIZE = 100_000;

// The cache options of 0.1.0: given from JavaScript (or through a loosely typed object), they
// fail instead of being silently ignored.
const REMOVED_OPTIONS = ['redisUrl', 'cache', 'cachePrefix'] as const;

/** Options of {@link clearExpiredSessions}. */
export interface ClearExpiredSessionsOptions {
  /**
   * The app's TypeORM DataSource, or the path of a data source file loaded as the TypeORM CLI
   * loads one (default export or single named export; it must call setQSessionUserEntity(User)
   * and list QSession and User in `entities`). A DataSource this function initialised is
   * destroyed at the end; one already initialised is left open.
   */
  dataSource: DataSource | string;
  /** Rows deleted per batch. Default 1000. */
  batchSize?: number;
  /** Called after each batch with the number deleted so far. */
  onBatch?: (deletedSoFar: number) => void;
  /** Stops between two batches (each batch is deleted as a whole). */
  signal?: AbortSignal;
  /**
   * For apps with the `history` option: the app's `history.retainDays`. Each expired session of a
   * user then gets its `expired` history entry (located with the GeoIP databases of `GEOIP_PATH`,
   * if set), and history entries older than that and expired revoke links are deleted, as
   * `SessionService.clearExpired()` does. The DataSource must list QSessionHistoryEntry and
   * QSessionRevokeLink in its `entities`.
   */
  historyRetainDays?: number;
}

/**
 * Deletes expired sessions, as `qsessions clear-expired` does: in batches of `batchSize` rows
 * (never the whole result set in memory). The session cache of the cached_db engine is not
 * touched, as `SessionService.clearExpired()` does not touch it: every read refuses an expired
 * session's copy (it carries its expiry), and a copy lives no longer than the session did when it
 * was written. Resolves to how many sessions were deleted. Throws a {@link QSessionsCommandError}
 * that says how to fix the problem (bad data source file, bad batch size...).
 */
export async function clearExpiredSessions(options: ClearExpiredSessionsOptions): Promise<number> {
  const removed = REMOVED_OPTIONS.filter((name) => (options as unknown as Record<string, unknown>)[name] !== undefined);
  if (removed.length > 0) {
    throw new QSessionsCommandError(
      `The ${removed.map((name) => `\`${name}\``).join(' and ')} option${removed.length === 1 ? ' was' : 's were'} ` +
        `removed: ${NO_CACHE_EVICTION}. Leave ${removed.length === 1 ? 'it' : 'them'} out.`,
      2,
    );
  }
  const batchSize = options.batchSize ?? DEFAULT_CLEAR_BATCH_SIZE;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
    throw new QSessionsCommandError(
      `The batch size must be a whole number from 1 to ${MAX_BATCH_SIZE}; got ${String(batchSize)}.`,
      2,
    );
  }

  const { dataSource, opened } = await openGivenDataSource(options.dataSource);
  let history: CommandHistory | null = null;
  try {
    if (options.historyRetainDays !== undefined) history = openCommandHistory(dataSource, options.historyRetainDays);
    const total = await deleteInBatches(new TypeOrmSessionStore(dataSource), batchSize, history, options);
    await history?.prune();
    return total;
  } finally {
    history?.close();
    if (opened) await dataSource.destroy().catch(() => undefined);
  }
}

/** Deletes expired sessions `batchSize` at a time (each recorded in the history, if any); resolves to how many. */
async function deleteInBatches(
  store: TypeOrmSessionStore,
  batchSize: number,
  history: CommandHistory | null,
  options: Pick<ClearExpiredSessionsOptions, 'onBatch' | 'signal'>,
): Promise<number> {
  let total = 0;
  for (;;) {
    if (options.signal?.aborted) throw new QSessionsCommandError(`Interrupted after deleting ${describeCount(total)}.`);
    const batch = await store.deleteExpiredBatch(batchSize);
    total += batch.length;
    if (batch.length > 0) {
      await history?.entries.ended(batch, { event: 'expired', reason: 'expired' });
      options.onBatch?.(total);
    }
    if (batch.length < batchSize) return total;
  }
}
