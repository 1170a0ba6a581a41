import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule, type TypeOrmModuleOptions } from '@nestjs/typeorm';
import { createCache } from 'cache-manager';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { QSession, QSessionsModule, setQSessionUserEntity, type QSessionsModuleOptions } from '../lib/index.js';
import { createQSessionRevocationsMigration, createQSessionsMigration } from '../lib/typeorm/migrations/index.js';
import { QSessionsTableMissingError } from '../lib/typeorm/qsessions-table-missing.error.js';
import { dataSourceOptions, ensureDatabase, testDatabaseName } from './support/databases.js';
import { sessionCookie } from './support/http.js';
import { caches, databases, redisUrl, type DatabaseKind } from './support/matrix.js';
import { SessionQueryCounter } from './support/query-counter.js';
import { TestController } from './support/test.controller.js';
import { IntUser } from './support/users.js';

// An app that neither synchronizes nor migrates used to start silently and answer its first
// sign-in with a 500 (`no such table: qsessions_session`); it must fail at start-up instead, and
// only then: TypeORM's synchronize and migrationsRun run before the check.

const TIMESTAMP = 1_719_000_000_000;
const folders: string[] = [];
afterAll(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

/** SQLite in a file (the user table must outlive the DataSource that makes it); servers as usual. */
function connectionFor(kind: DatabaseKind): DataSourceOptions {
  if (kind !== 'sqlite') return dataSourceOptions(kind);
  const folder = mkdtempSync(join(tmpdir(), 'qsessions-table-check-'));
  folders.push(folder);
  return { type: 'better-sqlite3', database: join(folder, 'app.sqlite') };
}

/** What the DataSource is called in the message, for the databases of this run. */
function describedDataSource(kind: DatabaseKind, connection: DataSourceOptions): string {
  const database = kind === 'sqlite' ? (connection.database as string) : testDatabaseName;
  return `the default TypeORM DataSource (${connection.type}, database ${JSON.stringify(database)})`;
}

/** An empty database but for the user table, as the app's own migrations would leave it. */
async function databaseWithUserTable(connection: DataSourceOptions): Promise<void> {
  const users = new DataSource({ ...connection, entities: [IntUser], synchronize: true, dropSchema: true });
  await users.initialize();
  await users.destroy();
}

/**
 * An empty database but for the user table and the sessions table, as an app left it that ran the
 * qsessions migration of 0.1.0 (which did not create `qsessions_revocation`).
 */
async function databaseOf010(connection: DataSourceOptions): Promise<void> {
  setQSessionUserEntity(IntUser);
  const before = new DataSource({ ...connection, entities: [IntUser, QSession], synchronize: true, dropSchema: true });
  await before.initialize();
  await before.destroy();
}

/** A Nest app (not yet initialized) on `connection` with these TypeORM settings (and qsessions options). */
async function createApp(
  connection: DataSourceOptions,
  typeorm: Partial<TypeOrmModuleOptions>,
  qsessions: QSessionsModuleOptions = {},
): Promise<INestApplication> {
  @Module({
    imports: [
      TypeOrmModule.forRoot({
        ...connection,
        entities: [IntUser],
        autoLoadEntities: true,
        retryAttempts: 0,
        ...typeorm,
      } as TypeOrmModuleOptions),
      QSessionsModule.forRoot({ userEntity: IntUser, geoip: false, ...qsessions }),
    ],
    controllers: [TestController],
  })
  class AppModule {}
  return NestFactory.create(AppModule, { logger: false, abortOnError: false });
}

/** The error `app.init()` fails with (fails the test when it starts). The app is closed either way. */
async function initError(app: INestApplication): Promise<Error> {
  try {
    await app.init();
  } catch (error) {
    return error as Error;
  } finally {
    await app.close();
  }
  throw new Error('the app started');
}

describe.each(databases)('the sessions table is checked at start-up on %s', (kind) => {
  beforeAll(() => ensureDatabase(kind));

  it('fails app.init() when nothing created the table, naming the table, the DataSource and both fixes', async () => {
    const connection = connectionFor(kind);
    const error = await initError(await createApp(connection, { synchronize: false, dropSchema: true }));

    expect(error).toBeInstanceOf(QSessionsTableMissingError);
    expect(error.name).toBe('QSessionsTableMissingError');
    const message = error.message.replace(/timestamp: \d{13} /, 'timestamp: <now> ');
    expect(message).toBe(
      `nest-qsessions: the sessions table "qsessions_session" does not exist in ${describedDataSource(kind, connection)}, ` +
        'so every request that uses a session would fail. Create it in one of two ways:\n' +
        '  1. in development, let TypeORM create it from the entities: `synchronize: true` in the TypeORM options, ' +
        'e.g. TypeOrmModule.forRoot({ ..., autoLoadEntities: true, synchronize: true });\n' +
        "  2. otherwise, with the migration nest-qsessions provides: add it to the DataSource's `migrations` and run " +
        'them (`migrationsRun: true` in the TypeORM options, or `typeorm migration:run -d <your data source file>`):\n' +
        "       import { createQSessionsMigration } from 'nest-qsessions/migrations';\n" +
        '       new DataSource({ ..., migrations: [createQSessionsMigration({ timestamp: <now> })] })\n' +
        "     (take the timestamp once and keep it: it must be later than your user table's migration).",
    );
    // A usable timestamp: the current time, which a user table's migration written before is older than.
    const timestamp = Number(/timestamp: (\d{13})/.exec(error.message)![1]);
    expect(Math.abs(timestamp - Date.now())).toBeLessThan(60_000);
  });

  it('starts with synchronize: true (it runs before the check), and stores sessions', async () => {
    const app = await createApp(connectionFor(kind), { synchronize: true, dropSchema: true });
    try {
      await app.listen(0, '127.0.0.1');
      const response = await request(app.getHttpServer()).get('/modify_session').expect(200);
      expect(sessionCookie(response.headers)?.value).toMatch(/^[a-z0-9]{32}$/);
    } finally {
      await app.close();
    }
  });

  it('starts when migrationsRun: true runs the qsessions migration (it runs before the check)', async () => {
    const connection = connectionFor(kind);
    await databaseWithUserTable(connection);
    const app = await createApp(connection, {
      synchronize: false,
      migrations: [createQSessionsMigration({ timestamp: TIMESTAMP })],
      migrationsRun: true,
    });
    try {
      await app.init();
      const dataSource = app.get(DataSource);
      expect((await dataSource.query('SELECT * FROM migrations')).map((row: { name: string }) => row.name)).toEqual([
        `CreateQSessionsTable${TIMESTAMP}`,
      ]);
    } finally {
      await app.close();
    }
  });

  it("names the entity's real table: the DataSource's entityPrefix applies", async () => {
    const connection = connectionFor(kind);
    const missing = await initError(
      await createApp(connection, { synchronize: false, dropSchema: true, entityPrefix: 'app_' }),
    );
    expect(missing.message).toMatch(/^nest-qsessions: the sessions table "app_qsessions_session" does not exist in /);

    const app = await createApp(connection, { synchronize: true, dropSchema: true, entityPrefix: 'app_' });
    try {
      await app.init();
    } finally {
      await app.close();
    }
  });
});

/** The shared caches of this run: a cache-manager instance always, Redis when the run has it. */
const sharedCaches: Array<{ label: string; cache: () => QSessionsModuleOptions['cache'] }> = [
  { label: 'cache.instance', cache: () => ({ instance: createCache() }) },
  ...(caches.includes('redis') ? [{ label: 'cache.redisUrl', cache: () => ({ redisUrl }) }] : []),
];

describe.each(databases)('the table of held revocations is checked at start-up on %s', (kind) => {
  beforeAll(() => ensureDatabase(kind));

  it.each(sharedCaches)(
    'cached_db with a shared cache ($label): fails app.init() without it, naming the table and both fixes',
    async ({ cache }) => {
      const connection = connectionFor(kind);
      await databaseOf010(connection);
      const error = await initError(
        await createApp(connection, { synchronize: false }, { engine: 'cached_db', cache: cache() }),
      );

      expect(error).toBeInstanceOf(QSessionsTableMissingError);
      expect(error).toMatchObject({ name: 'QSessionsTableMissingError', table: 'revocations' });
      expect((error as QSessionsTableMissingError).tablePath).toBe('qsessions_revocation');
      const message = error.message.replace(/timestamp: \d{13} /, 'timestamp: <now> ');
      expect(message).toBe(
        `nest-qsessions: the table of held revocations "qsessions_revocation" does not exist in ${describedDataSource(kind, connection)}. ` +
          'The cached_db engine with a shared cache needs it: it keeps the revocations the cache could not take, so ' +
          'that no revoked session stays usable. Create it in one of two ways:\n' +
          '  1. in development, let TypeORM create it from the entities: `synchronize: true` in the TypeORM options, ' +
          'e.g. TypeOrmModule.forRoot({ ..., autoLoadEntities: true, synchronize: true });\n' +
          "  2. otherwise, with the migration nest-qsessions provides: add it to the DataSource's `migrations` and run " +
          'them (`migrationsRun: true` in the TypeORM options, or `typeorm migration:run -d <your data source file>`):\n' +
          "       import { createQSessionRevocationsMigration } from 'nest-qsessions/migrations';\n" +
          '       new DataSource({ ..., migrations: [createQSessionRevocationsMigration({ timestamp: <now> })] })\n' +
          '     (take the timestamp once and keep it; keep createQSessionsMigration in the list too: with ' +
          'nest-qsessions 0.1.0 it created the sessions table alone, and TypeORM never runs it again).',
      );
    },
  );

  it('reports the sessions table first when both are missing (its migration creates both)', async () => {
    const connection = connectionFor(kind);
    const error = await initError(
      await createApp(
        connection,
        { synchronize: false, dropSchema: true },
        { engine: 'cached_db', cache: sharedCaches[0]!.cache() },
      ),
    );
    expect(error).toMatchObject({ table: 'sessions', tablePath: 'qsessions_session' });
    expect(error.message).toContain('createQSessionsMigration({ timestamp: ');
  });

  it('starts once createQSessionRevocationsMigration has run (migrationsRun, before the check)', async () => {
    const connection = connectionFor(kind);
    await databaseOf010(connection);
    const app = await createApp(
      connection,
      {
        synchronize: false,
        migrations: [createQSessionRevocationsMigration({ timestamp: TIMESTAMP })],
        migrationsRun: true,
      },
      { engine: 'cached_db', cache: sharedCaches[0]!.cache() },
    );
    try {
      await app.listen(0, '127.0.0.1');
      await request(app.getHttpServer()).get('/modify_session').expect(200);
    } finally {
      await app.close();
    }
  });

  it.each([
    { label: 'the db engine', qsessions: { engine: 'db' } as QSessionsModuleOptions },
    { label: 'cached_db with its in-memory cache', qsessions: { engine: 'cached_db' } as QSessionsModuleOptions },
  ])('$label does not need it: the app starts without it', async ({ qsessions }) => {
    const connection = connectionFor(kind);
    await databaseOf010(connection);
    const app = await createApp(connection, { synchronize: false }, qsessions);
    try {
      await app.listen(0, '127.0.0.1');
      await request(app.getHttpServer()).get('/modify_session').expect(200);
    } finally {
      await app.close();
    }
  });
});

describe('the sessions table check (SQLite)', () => {
  it('costs one query at start-up and none per request', async () => {
    const queries = new SessionQueryCounter();
    const app = await createApp(dataSourceOptions('sqlite'), {
      synchronize: true,
      logging: ['query'],
      logger: queries,
    });
    try {
      await app.listen(0, '127.0.0.1');
      const probes = () => queries.queries.filter((query) => /WHERE 1 = 0/.test(query));
      // The table of held revocations is not probed: the db engine does not use it.
      expect(probes()).toEqual(['SELECT 1 FROM "qsessions_session" "probe" WHERE 1 = 0']);

      const server = app.getHttpServer();
      const created = await request(server).get('/modify_session').expect(200);
      const cookie = `sessionid=${sessionCookie(created.headers)!.value}`;
      await request(server).get('/read_session').set('Cookie', cookie).expect(200, { FOO: 'BAR' });
      await request(server).get('/read_session').set('Cookie', cookie).expect(200, { FOO: 'BAR' });
      // The requests did reach the table (the counter sees them); none of them probed it again.
      expect(queries.reads.length).toBeGreaterThanOrEqual(2);
      expect(probes()).toHaveLength(1);
    } finally {
      await app.close();
    }
  });

  it('reports a database that cannot be queried as it is, not as a missing table', async () => {
    const app = await createApp(dataSourceOptions('sqlite'), { synchronize: true });
    // The connection goes away between the DataSource's start and the check.
    (app.get(DataSource).driver as unknown as { databaseConnection: { close(): void } }).databaseConnection.close();
    const error = await initError(app);
    expect(error).not.toBeInstanceOf(QSessionsTableMissingError);
    expect(error.message).toMatch(/database connection is not open/);
  });
});
