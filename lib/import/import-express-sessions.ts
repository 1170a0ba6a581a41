import type { Cache } from 'cache-manager';
import type { DataSource } from 'typeorm';
import { CachedSessionStore } from '../session/cached-session-store.js';
import type { UserId } from '../session/session-record.js';
import { QSessionsCommandError } from '../cli/command-error.js';
import { loadDataSourceFile } from '../cli/clear-expired/load-data-source.js';
import { openGivenDataSource } from '../cli/clear-expired/prepare-data-source.js';
import { defaultUserIdFromSession } from '../options/resolve-options.js';
import { TypeOrmSessionStore } from '../typeorm/typeorm-session-store.js';
import { BatchImporter } from './batch-importer.js';
import { openImportCache, type ImportCache } from './import-cache.js';
import { emptyImportReport, type ExpressSessionImportReport } from './import-report.js';
import type { ExpressSessionStoreKind, LegacySessionSource } from './legacy-session-source.js';
import { openPgSimpleSessionSource } from './pg-simple-session-source.js';
import { openRedisSessionSource } from './redis-session-source.js';
import { redisAddress } from '../options/redis-addresses.js';
import { openTypeormSessionSource } from './typeorm-session-source.js';

/** Sessions read, checked and written per batch by default. */
export const DEFAULT_IMPORT_BATCH_SIZE = 500;
const MAX_BATCH_SIZE = 10_000;
const ONE_DAY_MS = 24 * 60 * 60 * 1000;
const STORES: readonly ExpressSessionStoreKind[] = ['connect-redis', 'connect-pg-simple', 'connect-typeorm'];

/** Options of {@link importExpressSessions}. */
export interface ImportExpressSessionsOptions {
  /** The express-session store to read: `connect-redis`, `connect-pg-simple` or `connect-typeorm`. */
  from: ExpressSessionStoreKind;
  /**
   * Where sessions are imported: the app's TypeORM DataSource, or the path of a data source file
   * loaded as the TypeORM CLI loads one (it must call setQSessionUserEntity(User) and list QSession
   * and User in `entities`). A DataSource this function initialised is destroyed at the end.
   */
  dataSource: DataSource | string;
  /**
   * connect-redis: the URL of its Redis (required). connect-pg-simple: the URL of its PostgreSQL
   * database (default: `dataSource`, which must then be PostgreSQL). Not used for connect-typeorm.
   */
  sourceUrl?: string;
  /** connect-redis on a Redis Cluster, instead of `sourceUrl`: some of its nodes, as `'host:port'`. */
  sourceCluster?: readonly string[];
  /** connect-typeorm: the DataSource (or data source file) holding its table. Default: `dataSource`. */
  sourceDataSource?: DataSource | string;
  /** connect-redis: its `prefix`. Default `sess:`. */
  prefix?: string;
  /** connect-pg-simple: its `tableName`; connect-typeorm: the Session entity's table. Default `session`. */
  table?: string;
  /** The schema of that table (PostgreSQL), when it is not on the search path. */
  schema?: string;
  /** Sessions per batch (read, checked and written together). Default 500. */
  batchSize?: number;
  /** Count what would be imported, writing nothing (not even to the cache). */
  dryRun?: boolean;
  /**
   * The owner of a session, from its data. Default: `userId`, else passport's `passport.user` (a
   * primary key, or an object with an `id`), as the module's default. Give the same function as
   * the module's `userIdFromSession` option if you set one.
   */
  userIdFromSession?: (data: Readonly<Record<string, unknown>>) => UserId | null | undefined;
  /**
   * The express-session app's `cookie.maxAge` in ms. Sessions whose `cookie.originalMaxAge`
   * differs (a "remember me" lifetime) keep theirs, as `req.session.cookie.maxAge`. Without it,
   * imported sessions take the app's `cookie.maxAge` from their first save.
   */
  expressMaxAge?: number;
  /** The app's `maxDataBytes`: larger sessions are skipped. Default 65536. */
  maxDataBytes?: number;
  /** Lifetime of a session that has no expiry in its store nor in its cookie, in ms. Default one day. */
  noExpiryLifetime?: number;
  /** The Redis of the app's cached_db engine (its `cache.redisUrl`): imported sessions are cached there too. */
  redisUrl?: string;
  /** Or its Redis Cluster (its `cache.cluster.rootNodes`, as `'host:port'`). */
  redisCluster?: readonly string[];
  /** Or the cache-manager cache of the app's cached_db engine. */
  cache?: Cache;
  /** Key prefix of that cache (the app's `cache.keyPrefix`). Default `qsessions:`. */
  cachePrefix?: string;
  /** Called after each batch with the counts so far. */
  onBatch?: (report: Readonly<ExpressSessionImportReport>) => void;
  /** Stops between two batches (a batch is always completed). */
  signal?: AbortSignal;
}

/**
 * Imports the sessions of an express-session store, so that switching to nest-qsessions logs no
 * one out: each live session becomes a `qsessions_session` row (and a cache entry, given the app's
 * cache) with the same data, expiry and user, written through the library's own store. With the
 * module's `legacyCookie` option, a browser still sending the old cookie is then served that session
 * and moved to the new cookie.
 *
 * Safe to run again: sessions imported before (even those since exchanged or revoked) are skipped
 * and counted as already imported. Reads in batches of `batchSize` (Redis with SCAN, SQL in key
 * order), never the whole store at once. Resolves to a report of what was imported and what was
 * skipped, and why; never includes session ids or data. Throws a {@link QSessionsCommandError}
 * that says how to fix a problem (unreachable store, missing table, bad data source file...).
 *
 * @example
 * ```ts
 * const report = await importExpressSessions({
 *   from: 'connect-redis',
 *   sourceUrl: process.env.OLD_REDIS_URL,
 *   dataSource: appDataSource,
 * });
 * console.log(`${report.imported} imported, ${report.skipped.expired} expired`);
 * ```
 */
export async function importExpressSessions(
  options: ImportExpressSessionsOptions,
): Promise<ExpressSessionImportReport> {
  const settings = checkOptions(options);
  const { dataSource, opened } = await openGivenDataSource(options.dataSource);

  let source: LegacySessionSource | undefined;
  let cache: ImportCache | undefined;
  try {
    source = await openSource(options, dataSource);
    // A dry run writes nothing, not even the cache's probe key.
    if (!settings.dryRun && [options.redisUrl, options.redisCluster, options.cache].some((way) => way !== undefined)) {
      const { redisUrl, redisCluster, cache: given } = options;
      cache = await openImportCache({ redisUrl, redisCluster, cache: given }, settings.cachePrefix);
    }
    const database = new TypeOrmSessionStore(dataSource);
    const store = cache ? new CachedSessionStore(database, cache.sessionCache) : database;
    const report = emptyImportReport(options.from, source.description, settings.dryRun);
    const importer = new BatchImporter({ dataSource, store, database }, settings.rules, report);

    for await (const batch of source.batches(settings.batchSize)) {
      await importer.import(batch);
      options.onBatch?.(report);
      if (options.signal?.aborted) {
        throw new QSessionsCommandError(
          `Interrupted after reading ${report.read} sessions (${report.imported} imported). Run the same command ` +
            'again to finish: sessions already imported are skipped.',
        );
      }
    }
    if (cache) report.cacheProblems.push(...describeCacheProblems(cache));
    return report;
  } finally {
    await cache?.close().catch(() => undefined);
    await source?.close().catch(() => undefined);
    if (opened) await dataSource.destroy().catch(() => undefined);
  }
}

const usage = (message: string) => new QSessionsCommandError(message, 2);

/** Validates the options (usage errors, exit code 2) and fills in defaults. */
function checkOptions(options: ImportExpressSessionsOptions) {
  checkSource(options);
  const batchSize = options.batchSize ?? DEFAULT_IMPORT_BATCH_SIZE;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
    throw usage(`The batch size must be a whole number from 1 to ${MAX_BATCH_SIZE}; got ${String(batchSize)}.`);
  }
  checkCache(options);
  checkRules(options);
  return {
    batchSize,
    dryRun: options.dryRun ?? false,
    cachePrefix: options.cachePrefix ?? 'qsessions:',
    rules: {
      userIdFromSession: options.userIdFromSession ?? defaultUserIdFromSession,
      expressMaxAge: options.expressMaxAge,
      maxDataBytes: options.maxDataBytes ?? 65_536,
      noExpiryLifetime: options.noExpiryLifetime ?? ONE_DAY_MS,
    },
  };
}

/** The store to import from, and only the options that apply to it. */
function checkSource(options: ImportExpressSessionsOptions): void {
  if (!STORES.includes(options.from)) {
    throw usage(`The store to import from must be one of ${STORES.join(', ')}; got ${JSON.stringify(options.from)}.`);
  }
  const only = (option: string, given: unknown, store: ExpressSessionStoreKind[]) => {
    if (given !== undefined && !store.includes(options.from)) {
      throw usage(`${option} applies to ${store.join(' and ')} only, not to ${options.from}.`);
    }
  };
  only('The key prefix', options.prefix, ['connect-redis']);
  only('The table', options.table, ['connect-pg-simple', 'connect-typeorm']);
  only('The schema', options.schema, ['connect-pg-simple', 'connect-typeorm']);
  only('The source URL', options.sourceUrl, ['connect-redis', 'connect-pg-simple']);
  only('The source cluster', options.sourceCluster, ['connect-redis']);
  only('The source data source', options.sourceDataSource, ['connect-typeorm']);
  if (options.from === 'connect-redis' && !options.sourceUrl === !options.sourceCluster) {
    throw usage(
      "Give the Redis URL of the express-session app's connect-redis store (e.g. redis://127.0.0.1:6379), or " +
        'the nodes of its Redis Cluster, one of the two.',
    );
  }
  if (options.sourceCluster) checkNodes('The source cluster', options.sourceCluster);
}

/** Each of `nodes` must be a `host:port`. */
function checkNodes(what: string, nodes: readonly string[]): void {
  if (nodes.length === 0 || nodes.some((node) => redisAddress(node) === null)) {
    throw usage(`${what} must list nodes as host:port, e.g. 127.0.0.1:7001,127.0.0.1:7002.`);
  }
}

/** The session cache to write to: by URL, a cluster's nodes or given, one of them; a prefix only with one. */
function checkCache(options: ImportExpressSessionsOptions): void {
  const ways = [options.redisUrl, options.redisCluster, options.cache].filter((way) => way !== undefined);
  if (ways.length > 1) {
    throw usage('Give one session cache: its Redis URL, its Redis Cluster or a cache, not several.');
  }
  if (options.redisCluster) checkNodes('The Redis Cluster of the session cache', options.redisCluster);
  if (options.cachePrefix !== undefined && ways.length === 0) {
    throw usage('The cache prefix applies to the session cache given with its Redis URL (or a cache); give that too.');
  }
}

/** How sessions are converted: lifetimes, size limit, where the user id is. */
function checkRules(options: ImportExpressSessionsOptions): void {
  const positive = (name: string, value: number | undefined, minimum: number) => {
    if (value !== undefined && (!Number.isSafeInteger(value) || value < minimum)) {
      throw usage(`${name} must be a whole number of at least ${minimum}; got ${String(value)}.`);
    }
  };
  positive('The express-session maxAge (ms)', options.expressMaxAge, 1000);
  positive('maxDataBytes', options.maxDataBytes, 2);
  positive('The lifetime of sessions without expiry (ms)', options.noExpiryLifetime, 1000);
  if (options.userIdFromSession !== undefined && typeof options.userIdFromSession !== 'function') {
    throw usage('userIdFromSession must be a function (data) => userId.');
  }
}

async function openSource(options: ImportExpressSessionsOptions, target: DataSource): Promise<LegacySessionSource> {
  switch (options.from) {
    case 'connect-redis':
      return openRedisSessionSource({
        url: options.sourceUrl,
        clusterNodes: options.sourceCluster,
        prefix: options.prefix,
      });
    case 'connect-pg-simple':
      return openPgSimpleSessionSource({
        url: options.sourceUrl,
        dataSource: target,
        table: options.table,
        schema: options.schema,
      });
    case 'connect-typeorm': {
      const { dataSource, owned } = await openSourceDataSource(options.sourceDataSource, target);
      return openTypeormSessionSource({ dataSource, owned, table: options.table, schema: options.schema });
    }
  }
}

/** connect-typeorm's DataSource: the target's, one given, or one loaded from a file (then ours to close). */
async function openSourceDataSource(
  given: DataSource | string | undefined,
  target: DataSource,
): Promise<{ dataSource: DataSource; owned: boolean }> {
  if (given === undefined) return { dataSource: target, owned: false };
  const dataSource = typeof given === 'string' ? await loadDataSourceFile(given) : given;
  if (dataSource.isInitialized) return { dataSource, owned: false };
  // Read only: never change the schema of the old app's database.
  dataSource.setOptions({ synchronize: false, migrationsRun: false, dropSchema: false });
  try {
    await dataSource.initialize();
  } catch (error) {
    throw new QSessionsCommandError(
      `Cannot initialise the data source of connect-typeorm's table: ${(error as Error)?.message ?? String(error)}`,
    );
  }
  return { dataSource, owned: true };
}

/** The cache's reports, summarised (one warning, not one per session). */
function describeCacheProblems(cache: ImportCache): string[] {
  if (cache.problems.length === 0) return [];
  return [
    `writing to the session cache (${cache.description}) failed ${cache.problems.length} time(s), e.g.: ` +
      `${cache.problems[0]} The sessions are in the database, and the app reads them from there on a cache miss.`,
  ];
}
