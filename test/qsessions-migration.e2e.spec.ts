import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { QSession, setQSessionUserEntity } from '../lib/index.js';
import { createQSessionsMigration } from '../lib/typeorm/migrations/index.js';
import { TypeOrmSessionStore } from '../lib/typeorm/typeorm-session-store.js';
import { dataSourceOptions, ensureDatabase } from './support/databases.js';
import { databases, type DatabaseKind } from './support/matrix.js';
import { randomDigest } from './support/session-rows.js';
import { IntUser, UuidUser } from './support/users.js';

// The production path to the table: the app's user table exists (its own migration), then the
// qsessions migration runs; afterwards TypeORM must see nothing to synchronise, sessions must
// work (with the foreign key cascading), and `down` must take the table away again.

const TIMESTAMP = 1_719_000_000_000;
const folders: string[] = [];
afterAll(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

const silentLogger = {
  logQuery: () => undefined,
  logQueryError: () => undefined,
  logQuerySlow: () => undefined,
  logSchemaBuild: () => undefined,
  logMigration: () => undefined,
  log: () => undefined,
};

/** SQLite in a file (the schema must outlive a DataSource); servers as usual. */
function connectionFor(kind: DatabaseKind): DataSourceOptions {
  if (kind !== 'sqlite') return dataSourceOptions(kind);
  const folder = mkdtempSync(join(tmpdir(), 'qsessions-migration-'));
  folders.push(folder);
  return { type: 'better-sqlite3', database: join(folder, 'app.sqlite') };
}

/** An empty database holding only the user table, as the app's own migrations would leave it. */
async function databaseWithUserTable(
  connection: DataSourceOptions,
  user: typeof IntUser | typeof UuidUser,
): Promise<void> {
  const users = new DataSource({ ...connection, entities: [user], synchronize: true, dropSchema: true });
  await users.initialize();
  await users.destroy();
}

describe.each(databases)('createQSessionsMigration on %s', (kind) => {
  beforeAll(() => ensureDatabase(kind));

  describe.each([
    { label: 'integer', user: IntUser, userTable: undefined },
    { label: 'uuid', user: UuidUser, userTable: 'test_uuid_users' },
  ])('with a user table whose primary key is an $label', ({ user, userTable }) => {
    let connection: DataSourceOptions;
    let app: DataSource;

    beforeAll(async () => {
      connection = connectionFor(kind);
      await databaseWithUserTable(connection, user);
      setQSessionUserEntity(user);
      // userTable left out for the integer case: the migration takes the registered entity's table.
      const migration = createQSessionsMigration({ timestamp: TIMESTAMP, userTable });
      app = new DataSource({ ...connection, entities: [user, QSession], migrations: [migration] });
      await app.initialize();
    });
    afterAll(() => app?.destroy());

    it('creates the table exactly as the entity defines it: synchronize finds nothing to change', async () => {
      const executed = await app.runMigrations();
      expect(executed.map((migration) => migration.name)).toEqual([`CreateQSessionsTable${TIMESTAMP}`]);

      const pending = await app.driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((query) => query.query)).toEqual([]);

      const runner = app.createQueryRunner();
      try {
        const table = (await runner.getTable('qsessions_session'))!;
        expect(table.columns.map((column) => column.name).sort()).toEqual(
          [
            'created_at',
            'expire_date',
            'ip',
            'session_data',
            'session_key',
            'updated_at',
            'user_agent',
            'user_id',
          ].sort(),
        );
        expect(table.primaryColumns.map((column) => column.name)).toEqual(['session_key']);
        const indices = Object.fromEntries(table.indices.map((index) => [index.name, [...index.columnNames]]));
        expect(indices.qsessions_session_expire_date_idx).toEqual(['expire_date']);
        expect(indices.qsessions_session_user_expire_idx?.sort()).toEqual(['expire_date', 'user_id']);
        expect(table.foreignKeys).toHaveLength(1);
        expect(table.foreignKeys[0]).toMatchObject({
          columnNames: ['user_id'],
          referencedColumnNames: ['id'],
          onDelete: 'CASCADE',
        });
        expect(table.foreignKeys[0]!.referencedTableName).toMatch(/test_(uuid_)?users$/);
      } finally {
        await runner.release();
      }
    });

    it('stores sessions, and the user deletion cascades to them', async () => {
      const owner = await app.getRepository(user).save({ username: 'ada' });
      const store = new TypeOrmSessionStore(app);
      const now = Date.now();
      const digest = randomDigest();
      await store.create({
        digest,
        data: '{"userId":1}',
        userId: owner.id,
        ip: '2001:db8::1',
        userAgent: 'MigrationTest/1.0',
        expireDate: new Date(now + 60_000),
        createdAt: new Date(now),
        updatedAt: new Date(now),
      });
      expect((await store.get(digest))?.userId).toEqual(owner.id);
      expect(await store.listByUser(owner.id)).toHaveLength(1);

      await app.getRepository(user).delete(owner.id);
      expect(await store.get(digest)).toBeNull();
      expect(await app.getRepository(QSession).count()).toBe(0);
    });

    it('down drops the table (and only it); up works again after it', async () => {
      await app.undoLastMigration();
      const runner = app.createQueryRunner();
      try {
        expect(await runner.hasTable('qsessions_session')).toBe(false);
        expect(await runner.hasTable(user === IntUser ? 'test_users' : 'test_uuid_users')).toBe(true);
      } finally {
        await runner.release();
      }

      expect(await app.runMigrations()).toHaveLength(1);
      expect((await app.driver.createSchemaBuilder().log()).upQueries).toEqual([]);
    });
  });

  it('fails with a clear message when the user table does not exist yet', async () => {
    const connection = connectionFor(kind);
    const empty = new DataSource({ ...connection, entities: [], synchronize: true, dropSchema: true });
    await empty.initialize();
    await empty.destroy();
    const app = new DataSource({
      ...connection,
      migrations: [createQSessionsMigration({ timestamp: TIMESTAMP, userTable: 'accounts' })],
      // TypeORM logs a failed migration whatever `logging` says: the assertion below is the check.
      logger: silentLogger,
    });
    await app.initialize();
    try {
      await expect(app.runMigrations()).rejects.toThrow(
        'nest-qsessions: the user table "accounts" does not exist yet. The qsessions migration must run after the one that creates it',
      );
    } finally {
      await app.destroy();
    }
  });
});

describe('createQSessionsMigration options', () => {
  it('needs a 13-digit timestamp, and a name that ends with it', () => {
    expect(() => createQSessionsMigration({ timestamp: 1234 })).toThrow(
      "nest-qsessions: createQSessionsMigration() needs `timestamp`, a 13-digit time in milliseconds later than your user table's migration",
    );
    expect(() => createQSessionsMigration({} as { timestamp: number })).toThrow('needs `timestamp`');
    expect(() => createQSessionsMigration({ timestamp: TIMESTAMP, name: 'Sessions' })).toThrow(
      `a migration name must end with its timestamp (${TIMESTAMP})`,
    );
  });

  it('names the class and the migration CreateQSessionsTable<timestamp>, or as asked', () => {
    const Migration = createQSessionsMigration({ timestamp: TIMESTAMP });
    expect(Migration.name).toBe(`CreateQSessionsTable${TIMESTAMP}`);
    expect(new Migration().name).toBe(`CreateQSessionsTable${TIMESTAMP}`);
    expect(new (createQSessionsMigration({ timestamp: TIMESTAMP, name: `Sessions${TIMESTAMP}` }))().name).toBe(
      `Sessions${TIMESTAMP}`,
    );
  });
});
