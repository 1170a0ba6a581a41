import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { createCache, type Cache } from 'cache-manager';
import { CacheableMemory, Keyv } from 'cacheable';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { connectRedisCache } from '../lib/cache/create-cache.js';
import { clearExpiredSessions, QSessionsCommandError } from '../lib/cli/index.js';
import { QSession, setQSessionUserEntity } from '../lib/index.js';
import { dataSourceOptions, ensureDatabase } from './support/databases.js';
import { caches, databases, redisUrl, type DatabaseKind } from './support/matrix.js';
import { insertSessions, remainingDigests } from './support/session-rows.js';
import { IntUser } from './support/users.js';

// clearExpiredSessions(), the function behind `qsessions clear-expired`, in this process: with
// the app's DataSource object and cache-manager cache (the bin's tests pass a file and a URL).

setQSessionUserEntity(IntUser);
const folders: string[] = [];
afterAll(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function connectionFor(kind: DatabaseKind): DataSourceOptions {
  if (kind !== 'sqlite') return dataSourceOptions(kind);
  const folder = mkdtempSync(join(tmpdir(), 'qsessions-clear-'));
  folders.push(folder);
  return { type: 'better-sqlite3', database: join(folder, 'sessions.sqlite') };
}

function memoryCache(): Cache {
  return createCache({ stores: [new Keyv({ store: new CacheableMemory({ lruSize: 10_000 }) })] });
}

describe.each(databases)('clearExpiredSessions() on %s', (kind) => {
  let connection: DataSourceOptions;
  let dataSource: DataSource;

  beforeAll(async () => {
    await ensureDatabase(kind);
    connection = connectionFor(kind);
  });
  beforeEach(async () => {
    dataSource = new DataSource({ ...connection, entities: [IntUser, QSession], synchronize: true, dropSchema: true });
    await dataSource.initialize();
  });
  afterEach(() => dataSource?.destroy());

  it('deletes the expired sessions in batches of batchSize, and leaves an initialised DataSource open', async () => {
    const rows = await insertSessions(dataSource, { expired: 250, live: 20 });
    const progress: number[] = [];

    const deleted = await clearExpiredSessions({
      dataSource,
      batchSize: 100,
      onBatch: (soFar) => progress.push(soFar),
    });

    expect(deleted).toBe(250);
    expect(progress).toEqual([100, 200, 250]);
    expect(dataSource.isInitialized).toBe(true);
    expect(await remainingDigests(dataSource)).toEqual([...rows.live].sort());
  });

  it('initialises a DataSource given closed, without touching the schema, and closes it again', async () => {
    const rows = await insertSessions(dataSource, { expired: 3, live: 2 });
    // dropSchema would empty the database, were the function to honour it.
    const closed = new DataSource({
      ...connection,
      entities: [IntUser, QSession],
      synchronize: true,
      dropSchema: true,
    });

    expect(await clearExpiredSessions({ dataSource: closed })).toBe(3);

    expect(closed.isInitialized).toBe(false);
    expect(await remainingDigests(dataSource)).toEqual([...rows.live].sort());
  });

  it('evicts the deleted sessions from a cache-manager cache with revocation tombstones', async () => {
    const rows = await insertSessions(dataSource, { expired: 30, live: 3 });
    const cache = memoryCache();
    const prefix = 'app:sessions:';

    expect(await clearExpiredSessions({ dataSource, cache, cachePrefix: prefix, batchSize: 7 })).toBe(30);

    const tombstones = await cache.mget(rows.expired.map((digest) => `${prefix}r:${digest}`));
    expect(tombstones).toEqual(rows.expired.map(() => 1));
    expect(await cache.mget(rows.live.map((digest) => `${prefix}r:${digest}`))).toEqual(rows.live.map(() => undefined));
  });

  if (caches.includes('redis')) {
    it('evicts from Redis given by URL (the default key prefix qsessions:)', async () => {
      const rows = await insertSessions(dataSource, { expired: 5, live: 1 });
      const chosen = await connectRedisCache(redisUrl);
      try {
        expect(await clearExpiredSessions({ dataSource, redisUrl })).toBe(5);
        const tombstones = await chosen.cache.mget(rows.expired.map((digest) => `qsessions:r:${digest}`));
        expect(tombstones).toEqual(rows.expired.map(() => 1));
        await chosen.cache.mdel(rows.expired.map((digest) => `qsessions:r:${digest}`));
      } finally {
        await chosen.close();
      }
    });
  }

  it('stops between batches when its signal is aborted', async () => {
    const rows = await insertSessions(dataSource, { expired: 5, live: 0 });
    const controller = new AbortController();
    controller.abort();

    await expect(clearExpiredSessions({ dataSource, signal: controller.signal })).rejects.toThrow(
      'Interrupted after deleting 0 expired sessions.',
    );
    expect(await remainingDigests(dataSource)).toEqual([...rows.expired].sort());
  });
});

describe('clearExpiredSessions() options', () => {
  it.each([0, -1, 1.5, 100_001, Number.NaN])('refuses batchSize %p (a usage error)', async (batchSize) => {
    const error = await clearExpiredSessions({ dataSource: 'unused.js', batchSize }).then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(QSessionsCommandError);
    expect(error).toMatchObject({
      exitCode: 2,
      message: expect.stringContaining('The batch size must be a whole number'),
    });
  });

  it('refuses a Redis URL and a cache together', async () => {
    await expect(
      clearExpiredSessions({ dataSource: 'unused.js', redisUrl: 'redis://127.0.0.1', cache: memoryCache() }),
    ).rejects.toThrow('Give either a Redis URL or a cache, not both.');
  });

  it('says which file is missing', async () => {
    const missing = join(tmpdir(), `${randomUUID()}.js`);
    await expect(clearExpiredSessions({ dataSource: missing })).rejects.toThrow(
      `The data source file ${missing} does not exist.`,
    );
  });
});
