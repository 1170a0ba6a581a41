import { randomUUID } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Cache } from 'cache-manager';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { SharedSessionCache } from '../lib/cache/shared-session-cache.js';
import { connectRedisCache, type ChosenCache } from '../lib/cache/create-cache.js';
import { QSession, setQSessionUserEntity } from '../lib/index.js';
import { buildCli } from './support/cli-build.js';
import { dataSourceFolder, writeDataSourceFile } from './support/data-source-file.js';
import { dataSourceOptions, ensureDatabase } from './support/databases.js';
import { caches, databases, redisUrl, type DatabaseKind } from './support/matrix.js';
import { runBin } from './support/run-bin.js';
import { insertSessions, remainingDigests } from './support/session-rows.js';
import { IntUser } from './support/users.js';

// `qsessions clear-expired` end to end: the built bin, in its own process, loading a data source
// file the way the TypeORM CLI does, against a real database (and Redis for the cache part).

setQSessionUserEntity(IntUser);
const folders: string[] = [];

beforeAll(async () => {
  await buildCli();
}, 180_000);
afterAll(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function newFolder(): string {
  const folder = dataSourceFolder();
  folders.push(folder);
  return folder;
}

/** The connection for both processes: SQLite in a file (the bin is another process), servers as usual. */
function connectionFor(kind: DatabaseKind, folder: string): DataSourceOptions {
  return kind === 'sqlite'
    ? { type: 'better-sqlite3', database: join(folder, 'sessions.sqlite') }
    : dataSourceOptions(kind);
}

/** The test's own view of the database, with a fresh, empty schema. */
async function openDatabase(connection: DataSourceOptions): Promise<DataSource> {
  const dataSource = new DataSource({
    ...connection,
    entities: [IntUser, QSession],
    synchronize: true,
    dropSchema: true,
  });
  await dataSource.initialize();
  return dataSource;
}

/** A port on which nothing listens. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe.each(databases)('qsessions clear-expired (built bin) on %s', (kind) => {
  let folder: string;
  let connection: DataSourceOptions;
  let dataSource: DataSource;

  beforeAll(async () => {
    await ensureDatabase(kind);
    folder = newFolder();
    connection = connectionFor(kind, folder);
  });
  beforeEach(async () => {
    dataSource = await openDatabase(connection);
  });
  afterEach(async () => {
    await dataSource?.destroy();
  });

  it('deletes only the expired sessions, in batches, and prints how many', async () => {
    const rows = await insertSessions(dataSource, { expired: 2500, live: 300 });
    const file = writeDataSourceFile(folder, connection);

    const result = await runBin(['clear-expired', '-d', file, '--batch-size', '1000']);

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('Deleted 2500 expired sessions.\n');
    expect(await remainingDigests(dataSource)).toEqual([...rows.live].sort());
  });

  it('uses the default batch size, takes a single named DataSource export, and says so when nothing expired', async () => {
    const rows = await insertSessions(dataSource, { expired: 1001, live: 2 });
    const file = writeDataSourceFile(folder, connection, { exportAs: 'named' });

    const first = await runBin(['clear-expired', '--dataSource', file]);
    expect(first.code).toBe(0);
    expect(first.stdout).toBe('Deleted 1001 expired sessions.\n');

    const again = await runBin(['clear-expired', `--dataSource=${file}`]);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe('Deleted 0 expired sessions.\n');
    expect(await remainingDigests(dataSource)).toEqual([...rows.live].sort());
  });

  if (caches.includes('redis')) {
    describe('with --redis-url', () => {
      let chosen: ChosenCache;
      let cache: Cache;
      let prefix: string;

      beforeEach(async () => {
        chosen = await connectRedisCache(redisUrl);
        cache = chosen.cache;
        prefix = `qsessions-cli-test:${randomUUID()}:`;
      });
      afterEach(async () => {
        await chosen?.close();
      });

      it('evicts the expired sessions from the cache with revocation tombstones (<prefix>r:<digest>)', async () => {
        const rows = await insertSessions(dataSource, { expired: 1200, live: 5 });
        // The app's cache as the cached_db engine fills it (straight on the Redis client): the
        // records of sessions it served. The command evicts through cache-manager and Keyv.
        const appCache = new SharedSessionCache(
          chosen.entries,
          { keyPrefix: prefix, timeoutMs: 2000, tombstoneTtlMs: 600_000 },
          console,
        );
        const [cachedExpired, cachedLive] = [rows.expired[0]!, rows.live[0]!];
        const record = (digest: string) => ({
          digest,
          data: '{}',
          userId: null,
          ip: '127.0.0.1',
          userAgent: 'ClearExpiredTest/1.0',
          // The database row of the first one expired; its cache entry is still there (clocks, TTL rounding).
          expireDate: new Date(Date.now() + 60_000),
          createdAt: new Date(),
          updatedAt: new Date(),
        });
        await appCache.set(record(cachedExpired));
        await appCache.set(record(cachedLive));
        expect(await cache.get(`${prefix}s:${cachedExpired}`)).toBeDefined();
        const file = writeDataSourceFile(folder, connection);

        const result = await runBin([
          'clear-expired',
          '-d',
          file,
          '--batch-size',
          '500',
          '--redis-url',
          redisUrl,
          '--cache-prefix',
          prefix,
        ]);

        expect(result.stderr).toBe('');
        expect(result.code).toBe(0);
        expect(result.stdout).toBe(
          `Deleted 1200 expired sessions.\nEvicted them from the session cache at ${redisUrl} (key prefix ${JSON.stringify(prefix)}).\n`,
        );
        expect(await remainingDigests(dataSource)).toEqual([...rows.live].sort());
        // Every expired session has its tombstone; the cached record is gone; the live one is untouched.
        const tombstones = await cache.mget(rows.expired.map((digest) => `${prefix}r:${digest}`));
        expect(tombstones.every((value) => value === 1)).toBe(true);
        expect(await cache.get(`${prefix}s:${cachedExpired}`)).toBeUndefined();
        expect((await appCache.get(cachedExpired)).kind).toBe('revoked');
        expect(await cache.get(`${prefix}r:${cachedLive}`)).toBeUndefined();
        expect((await appCache.get(cachedLive)).kind).toBe('hit');
      });
    });
  }
});

describe('qsessions clear-expired (built bin): problems it explains', () => {
  const kind = databases[0]!;
  let folder: string;
  let connection: DataSourceOptions;
  let dataSource: DataSource;

  beforeAll(async () => {
    await ensureDatabase(kind);
    folder = newFolder();
    connection = connectionFor(kind, folder);
    dataSource = await openDatabase(connection);
  });
  afterAll(async () => {
    await dataSource?.destroy();
  });

  it('a data source file that does not call setQSessionUserEntity (nothing is deleted)', async () => {
    const rows = await insertSessions(dataSource, { expired: 3, live: 1 });
    const file = writeDataSourceFile(folder, connection, { register: false });

    const result = await runBin(['clear-expired', '-d', file]);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `qsessions clear-expired: the data source file ${file} does not tell nest-qsessions which entity is your user`,
    );
    expect(result.stderr).toContain(
      "call setQSessionUserEntity(User) (import { setQSessionUserEntity } from 'nest-qsessions')",
    );
    expect(result.stdout).toBe('');
    expect(await remainingDigests(dataSource)).toEqual([...rows.expired, ...rows.live].sort());
    await dataSource.getRepository(QSession).clear();
  });

  it('a DataSource without the QSession entity', async () => {
    const file = writeDataSourceFile(folder, connection, { withQSession: false });

    const result = await runBin(['clear-expired', '-d', file]);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('does not know the QSession entity: add QSession');
  });

  it('a file that exports no DataSource', async () => {
    const file = writeDataSourceFile(folder, connection, { exportAs: 'none' });

    const result = await runBin(['clear-expired', '-d', file]);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`The data source file ${file} exports no TypeORM DataSource`);
  });

  it('a file that does not exist, a missing -d, a bad --batch-size (exit 2 with the usage)', async () => {
    const missingFile = await runBin(['clear-expired', '-d', join(folder, 'nope.js')]);
    expect(missingFile.code).toBe(2);
    expect(missingFile.stderr).toContain(`The data source file ${join(folder, 'nope.js')} does not exist`);
    expect(missingFile.stderr).toContain('Usage: qsessions clear-expired');

    const noFile = await runBin(['clear-expired']);
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toContain('Give your TypeORM data source file with -d/--dataSource');

    const file = writeDataSourceFile(folder, connection);
    for (const bad of ['abc', '0', '-5']) {
      const badBatch = await runBin(['clear-expired', '-d', file, `--batch-size=${bad}`]);
      expect(badBatch.code).toBe(2);
      expect(badBatch.stderr).toMatch(/batch size must be a whole number|--batch-size must be a whole number/);
    }
  });

  it('a Redis that does not answer: exit 1 and nothing deleted (no eviction claimed that did not happen)', async () => {
    const rows = await insertSessions(dataSource, { expired: 2, live: 1 });
    const file = writeDataSourceFile(folder, connection);
    const url = `redis://:s3cret-pass@127.0.0.1:${await closedPort()}`;

    const result = await runBin(['clear-expired', '-d', file, '--redis-url', url]);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('The session cache (Redis at redis://:...@127.0.0.1:');
    expect(result.stderr).toContain('does not answer');
    expect(result.stderr).not.toContain('s3cret-pass');
    expect(await remainingDigests(dataSource)).toEqual([...rows.expired, ...rows.live].sort());
    await dataSource.getRepository(QSession).clear();
  });

  it('a TypeScript data source file: says how to load it, and works with a loader (tsx)', async () => {
    const rows = await insertSessions(dataSource, { expired: 4, live: 1 });
    const file = writeDataSourceFile(folder, connection, { extension: 'ts' });

    const plain = await runBin(['clear-expired', '-d', file]);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toContain('Node cannot load the TypeScript file');
    expect(plain.stderr).toContain('node --import tsx node_modules/.bin/qsessions clear-expired');

    const withLoader = await runBin(['clear-expired', '-d', file], { nodeArgs: ['--import', 'tsx'], cwd: folder });
    expect(withLoader.stderr).toBe('');
    expect(withLoader.code).toBe(0);
    expect(withLoader.stdout).toBe('Deleted 4 expired sessions.\n');
    expect(await remainingDigests(dataSource)).toEqual([...rows.live].sort());
    await dataSource.getRepository(QSession).clear();
  });

  it('an error thrown while loading the file', async () => {
    const file = join(folder, 'broken-data-source.js');
    writeFileSync(file, "throw new Error('DATABASE_URL is not set');\n");

    const result = await runBin(['clear-expired', '-d', file]);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Cannot load the data source file ${file}: DATABASE_URL is not set`);
  });
});
