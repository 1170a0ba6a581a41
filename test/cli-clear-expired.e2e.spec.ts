import { rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { QSession, setQSessionUserEntity } from '../lib/index.js';
import { buildCli } from './support/cli-build.js';
import { dataSourceFolder, writeDataSourceFile } from './support/data-source-file.js';
import { dataSourceOptions, ensureDatabase } from './support/databases.js';
import { databases, type DatabaseKind } from './support/matrix.js';
import { runBin } from './support/run-bin.js';
import { insertSessions, remainingDigests } from './support/session-rows.js';
import { IntUser } from './support/users.js';

// `qsessions clear-expired` end to end: the built bin, in its own process, loading a data source
// file the way the TypeORM CLI does, against a real database. It connects to no cache.

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

/** A TCP server standing in for Redis, which counts the connections it gets (and answers nothing). */
async function countingServer(): Promise<{ url: string; connections: () => number; close: () => Promise<void> }> {
  let count = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    count++;
    sockets.add(socket);
    socket.on('error', () => socket.destroy());
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `redis://:s3cret-pass@127.0.0.1:${port}`,
    connections: () => count,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
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

  it('deletes the expired sessions without connecting to any cache (not even the REDIS_URL of its environment)', async () => {
    const rows = await insertSessions(dataSource, { expired: 30, live: 3 });
    const file = writeDataSourceFile(folder, connection);
    const redis = await countingServer();
    try {
      const result = await runBin(['clear-expired', '-d', file, '--batch-size', '7'], {
        env: { REDIS_URL: redis.url },
      });

      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toBe('Deleted 30 expired sessions.\n');
      expect(await remainingDigests(dataSource)).toEqual([...rows.live].sort());
      expect(redis.connections()).toBe(0);
    } finally {
      await redis.close();
    }
  });
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
    const badRetention = await runBin(['clear-expired', '-d', file, '--history-retain-days=soon']);
    expect(badRetention.code).toBe(2);
    expect(badRetention.stderr).toContain('--history-retain-days must be a whole number of days');
  });

  it('--redis-url and --cache-prefix, removed: exit 2 with the reason, no connection, nothing deleted', async () => {
    const rows = await insertSessions(dataSource, { expired: 2, live: 1 });
    const file = writeDataSourceFile(folder, connection);
    const redis = await countingServer();
    const reason = 'expired sessions are refused by every read and leave Redis at their TTL; nothing to evict.';
    try {
      const both = await runBin(['clear-expired', '-d', file, '--redis-url', redis.url, '--cache-prefix', 'app:']);
      expect(both.code).toBe(2);
      expect(both.stderr).toContain(
        `qsessions clear-expired: --redis-url and --cache-prefix were removed: ${reason} Leave them out.`,
      );
      expect(both.stderr).toContain('Usage: qsessions clear-expired');
      expect(both.stderr).not.toContain('s3cret-pass');
      expect(both.stdout).toBe('');

      const url = await runBin(['clear-expired', '-d', file, `--redis-url=${redis.url}`]);
      expect(url.code).toBe(2);
      expect(url.stderr).toContain(`qsessions clear-expired: --redis-url was removed: ${reason} Leave it out.`);
      expect(url.stderr).not.toContain('s3cret-pass');

      const prefix = await runBin(['clear-expired', '-d', file, '--cache-prefix', 'app:']);
      expect(prefix.code).toBe(2);
      expect(prefix.stderr).toContain(`qsessions clear-expired: --cache-prefix was removed: ${reason} Leave it out.`);

      expect(redis.connections()).toBe(0);
      expect(await remainingDigests(dataSource)).toEqual([...rows.expired, ...rows.live].sort());
    } finally {
      await redis.close();
      await dataSource.getRepository(QSession).clear();
    }
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
