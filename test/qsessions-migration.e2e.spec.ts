import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource, type DataSourceOptions, type QueryRunner } from 'typeorm';
import {
  QSession,
  QSessionHistoryEntry,
  QSessionRevocation,
  QSessionRevokeLink,
  setQSessionUserEntity,
} from '../lib/index.js';
import { TypeOrmSessionHistory } from '../lib/history/typeorm-session-history.js';
import { TypeOrmRevokeLinks } from '../lib/history/typeorm-revoke-links.js';
import { GeoIpLocator } from '../lib/geoip/geoip-locator.js';
import {
  createQSessionRevocationsMigration,
  createQSessionsUpgradeMigration,
  createQSessionsMigration,
  type QSessionsMigrationClass,
} from '../lib/typeorm/migrations/index.js';
import { TypeOrmRevocationLedger } from '../lib/typeorm/typeorm-revocation-ledger.js';
import { TypeOrmSessionStore } from '../lib/typeorm/typeorm-session-store.js';
import { dataSourceOptions, ensureDatabase } from './support/databases.js';
import { databases, type DatabaseKind } from './support/matrix.js';
import { randomDigest } from './support/session-rows.js';
import { IntUser, UuidUser } from './support/users.js';

// The production path to the tables: the app's user table exists (its own migration), then the
// qsessions migration runs; afterwards TypeORM must see nothing to synchronise, sessions must
// work (with the foreign key cascading), and `down` must take the tables away again. An app that
// ran the migration of 0.1.0 (the sessions table alone) gets the revocations table from
// createQSessionRevocationsMigration, with the same outcome.

const TIMESTAMP = 1_719_000_000_000;
/** When an app upgraded from 0.1.0 added the revocations migration. */
const UPGRADE_TIMESTAMP = 1_735_000_000_000;
const COLUMNS_TIMESTAMP = 1_767_000_000_000;
/** Every entity of nest-qsessions, as `autoLoadEntities` registers them. */
const QSESSIONS_ENTITIES = [QSession, QSessionRevocation, QSessionHistoryEntry, QSessionRevokeLink];
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

/**
 * The migration as 0.1.0 made it: the sessions table alone (today's, minus the revocations table,
 * which is what 0.1.0's created: its test checked that synchronize found nothing else to do).
 */
function sessionsMigrationOf010(timestamp: number): QSessionsMigrationClass {
  const Current = createQSessionsMigration({ timestamp });
  return class CreateQSessionsTable {
    readonly name = `CreateQSessionsTable${timestamp}`;
    async up(queryRunner: QueryRunner): Promise<void> {
      await new Current().up(queryRunner);
      await queryRunner.dropTable(tableName(queryRunner, 'qsessions_revocation'));
      await queryRunner.dropTable(tableName(queryRunner, 'qsessions_revoke_link'));
      await queryRunner.dropTable(tableName(queryRunner, 'qsessions_history'));
      // 0.1.0's table had none of the columns added since.
      for (const column of ['reauthenticated_at', 'label', 'client_hints']) {
        await queryRunner.dropColumn(tableName(queryRunner, 'qsessions_session'), column);
      }
    }
    async down(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.dropTable(tableName(queryRunner, 'qsessions_session'));
    }
  };
}

/** `table` with the DataSource's entityPrefix. */
function tableName(queryRunner: QueryRunner, table: string): string {
  return `${queryRunner.connection.options.entityPrefix ?? ''}${table}`;
}

/** Whether each of `tables` exists. */
async function tablesExist(app: DataSource, tables: string[]): Promise<Record<string, boolean>> {
  const runner = app.createQueryRunner();
  try {
    const found: Record<string, boolean> = {};
    for (const table of tables) found[table] = await runner.hasTable(table);
    return found;
  } finally {
    await runner.release();
  }
}

/** The SQL synchronize would run: none when the tables match the entities. */
async function pendingSchemaChanges(app: DataSource): Promise<string[]> {
  return (await app.driver.createSchemaBuilder().log()).upQueries.map((query) => query.query);
}

/** The revocations table works: rows go in, come out in order, and go away. */
async function expectRevocationsWork(app: DataSource): Promise<void> {
  const ledger = new TypeOrmRevocationLedger(app);
  const digest = randomDigest();
  await ledger.hold([digest]);
  await ledger.hold(null);
  const held = await ledger.held(10);
  expect(held.map((entry) => entry.digest)).toEqual([digest, null]);
  await ledger.release(held.map((entry) => entry.id));
  expect(await ledger.held(10)).toEqual([]);
}

/** The history tables as the migration made them: columns, keys, indexes, cascading foreign keys. */
async function expectHistoryTables(runner: QueryRunner, historyName: string, linksName: string): Promise<void> {
  const history = (await runner.getTable(historyName))!;
  expect(history.columns.map((column) => column.name).sort()).toEqual(
    [
      'actor',
      'at',
      'city',
      'country',
      'device',
      'device_key',
      'event',
      'id',
      'ip',
      'location',
      'new_device',
      'new_location',
      'reason',
      'session_id',
      'user_agent',
      'user_id',
    ].sort(),
  );
  const indices = Object.fromEntries(history.indices.map((index) => [index.name, [...index.columnNames]]));
  // Sorted: PostgreSQL's catalogue gives an index's columns in table order (synchronize checks the order).
  expect(indices.qsessions_history_user_at_idx?.sort()).toEqual(['at', 'id', 'user_id']);
  expect(indices.qsessions_history_at_idx).toEqual(['at']);
  expect(indices.qsessions_history_session_idx).toEqual(['session_id']);
  const links = (await runner.getTable(linksName))!;
  expect(links.primaryColumns.map((column) => column.name)).toEqual(['token_digest']);
  for (const table of [history, links]) {
    expect(table.foreignKeys).toHaveLength(1);
    expect(table.foreignKeys[0]).toMatchObject({ columnNames: ['user_id'], onDelete: 'CASCADE' });
  }
}

/** History entries and revoke links go in and come out, and go with their user. */
async function expectHistoryWorks(app: DataSource, user: typeof IntUser | typeof UuidUser): Promise<void> {
  const owner = await app.getRepository(user).save({ username: `history-${randomDigest().slice(0, 8)}` });
  const geoip = new GeoIpLocator({ cityPath: null, countryPath: null, turnedOff: true }, { warn: () => undefined });
  const history = new TypeOrmSessionHistory(app, geoip, 90, Date.now, {
    error: (message: string) => {
      throw new Error(message);
    },
  });
  const links = new TypeOrmRevokeLinks(app, Date.now);
  const now = Date.now();
  const session = {
    digest: randomDigest(),
    data: '{}',
    userId: owner.id,
    ip: '2001:db8::1',
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
    expireDate: new Date(now + 60_000),
    createdAt: new Date(now),
    updatedAt: new Date(now),
    reauthenticatedAt: null,
    label: null,
    clientHints: null,
  };
  expect(await history.signedIn(session)).toEqual({
    newDevice: false,
    newLocation: false,
    device: 'Firefox on Linux',
    location: null,
  });
  await history.ended([session], { event: 'revoked', reason: 'admin', actor: '7' });
  const page = await history.page(owner.id, {});
  expect(page.entries.map((entry) => [entry.event, entry.reason, entry.actor, entry.newDevice])).toEqual([
    ['revoked', 'admin', '7', null],
    ['signed-in', null, null, false],
  ]);
  const token = await links.create({ userId: owner.id, sessionId: session.digest }, 60_000);
  await app.getRepository(user).delete(owner.id);
  expect(await app.getRepository(QSessionHistoryEntry).countBy({ userId: owner.id })).toBe(0);
  expect(await links.consume(token)).toBeNull();
}

/** Whether each of `columns` exists in qsessions_session. */
async function columnsExist(app: DataSource, columns: string[]): Promise<boolean[]> {
  const runner = app.createQueryRunner();
  try {
    return await Promise.all(columns.map((column) => runner.hasColumn('qsessions_session', column)));
  } finally {
    await runner.release();
  }
}

/** The columns added since 0.1.0 store and read back through the store. */
async function expectPolicyColumnsWork(app: DataSource): Promise<void> {
  const user = await app.getRepository(IntUser).save({ username: `columns-${randomDigest().slice(0, 8)}` });
  const store = new TypeOrmSessionStore(app);
  const now = Date.now();
  const digest = randomDigest();
  const reauthenticatedAt = new Date(now - 2000);
  await store.create({
    digest,
    data: '{}',
    userId: user.id,
    ip: null,
    userAgent: null,
    expireDate: new Date(now + 60_000),
    createdAt: new Date(now),
    updatedAt: new Date(now),
    reauthenticatedAt,
    label: null,
    clientHints: '{"platform":"macOS","platformVersion":"14.2.1"}',
  });
  expect(await store.relabelOfUser(user.id, digest, 'Work laptop')).toBe(true);
  const stored = await store.get(digest);
  expect(stored?.label).toBe('Work laptop');
  expect(stored?.clientHints).toBe('{"platform":"macOS","platformVersion":"14.2.1"}');
  expect(Math.floor(stored!.reauthenticatedAt!.getTime() / 1000)).toBe(Math.floor(reauthenticatedAt.getTime() / 1000));
}

/** An empty database holding only the user table, as the app's own migrations would leave it. */
async function databaseWithUserTable(
  connection: DataSourceOptions,
  user: typeof IntUser | typeof UuidUser,
): Promise<void> {
  const users = new DataSource({
    ...connection,
    entities: [user],
    synchronize: true,
    dropSchema: true,
  } as DataSourceOptions);
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
      app = new DataSource({ ...connection, entities: [user, ...QSESSIONS_ENTITIES], migrations: [migration] });
      await app.initialize();
    });
    afterAll(() => app?.destroy());

    it('creates the tables exactly as the entities define them: synchronize finds nothing to change', async () => {
      const executed = await app.runMigrations();
      expect(executed.map((migration) => migration.name)).toEqual([`CreateQSessionsTable${TIMESTAMP}`]);

      expect(await pendingSchemaChanges(app)).toEqual([]);

      const runner = app.createQueryRunner();
      try {
        const table = (await runner.getTable('qsessions_session'))!;
        expect(table.columns.map((column) => column.name).sort()).toEqual(
          [
            'client_hints',
            'created_at',
            'expire_date',
            'ip',
            'label',
            'reauthenticated_at',
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

        const revocations = (await runner.getTable('qsessions_revocation'))!;
        expect(revocations.columns.map((column) => column.name).sort()).toEqual(['created_at', 'id', 'session_key']);
        expect(revocations.primaryColumns.map((column) => column.name)).toEqual(['id']);
        expect(revocations.indices).toEqual([]);
        expect(revocations.foreignKeys).toEqual([]);

        await expectHistoryTables(runner, 'qsessions_history', 'qsessions_revoke_link');
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
        reauthenticatedAt: null,
        label: null,
        clientHints: null,
      });
      expect((await store.get(digest))?.userId).toEqual(owner.id);
      expect(await store.listByUser(owner.id)).toHaveLength(1);

      await app.getRepository(user).delete(owner.id);
      expect(await store.get(digest)).toBeNull();
      expect(await app.getRepository(QSession).count()).toBe(0);
    });

    it('holds revocations in qsessions_revocation', async () => {
      await expectRevocationsWork(app);
    });

    it('keeps a sign-in history, deleted with its user', async () => {
      await expectHistoryWorks(app, user);
    });

    it('down drops its tables (and only them); up works again after it', async () => {
      await app.undoLastMigration();
      const userTableName = user === IntUser ? 'test_users' : 'test_uuid_users';
      const tables = ['qsessions_session', 'qsessions_revocation', 'qsessions_history', 'qsessions_revoke_link'];
      expect(await tablesExist(app, [...tables, userTableName])).toEqual({
        ...Object.fromEntries(tables.map((table) => [table, false])),
        [userTableName]: true,
      });

      expect(await app.runMigrations()).toHaveLength(1);
      expect(await pendingSchemaChanges(app)).toEqual([]);
    });
  });

  describe('upgrading from 0.1.0, whose migration created the sessions table alone', () => {
    let app: DataSource;

    beforeAll(async () => {
      const connection = connectionFor(kind);
      await databaseWithUserTable(connection, IntUser);
      setQSessionUserEntity(IntUser);
      const before = new DataSource({
        ...connection,
        entities: [IntUser, QSession],
        migrations: [sessionsMigrationOf010(TIMESTAMP)],
      });
      await before.initialize();
      await before.runMigrations();
      await before.destroy();

      // The app's migrations after the upgrade: the same sessions migration (TypeORM has run it
      // already and never runs it again), and the new one.
      app = new DataSource({
        ...connection,
        entities: [IntUser, ...QSESSIONS_ENTITIES],
        migrations: [
          createQSessionsMigration({ timestamp: TIMESTAMP }),
          createQSessionRevocationsMigration({ timestamp: UPGRADE_TIMESTAMP }),
          createQSessionsUpgradeMigration({ timestamp: COLUMNS_TIMESTAMP }),
        ],
      });
      await app.initialize();
    });
    afterAll(() => app?.destroy());

    it('the revocations and upgrade migrations bring the tables exactly to the entities', async () => {
      expect(await tablesExist(app, ['qsessions_session', 'qsessions_revocation'])).toEqual({
        qsessions_session: true,
        qsessions_revocation: false,
      });
      expect(await columnsExist(app, ['reauthenticated_at', 'label', 'client_hints'])).toEqual([false, false, false]);
      expect(await tablesExist(app, ['qsessions_history', 'qsessions_revoke_link'])).toEqual({
        qsessions_history: false,
        qsessions_revoke_link: false,
      });
      const executed = await app.runMigrations();
      expect(executed.map((migration) => migration.name)).toEqual([
        `CreateQSessionRevocationsTable${UPGRADE_TIMESTAMP}`,
        `UpgradeQSessionsTable${COLUMNS_TIMESTAMP}`,
      ]);

      expect(await pendingSchemaChanges(app)).toEqual([]);
      await expectRevocationsWork(app);
      await expectPolicyColumnsWork(app);
      await expectHistoryWorks(app, IntUser);
    });

    it('each down drops what its up added, alone; up works again after them', async () => {
      await app.undoLastMigration();
      expect(await columnsExist(app, ['reauthenticated_at', 'label', 'client_hints'])).toEqual([false, false, false]);
      expect(await tablesExist(app, ['qsessions_history', 'qsessions_revoke_link'])).toEqual({
        qsessions_history: false,
        qsessions_revoke_link: false,
      });
      expect(await tablesExist(app, ['qsessions_revocation'])).toEqual({ qsessions_revocation: true });
      await app.undoLastMigration();
      expect(await tablesExist(app, ['qsessions_session', 'qsessions_revocation'])).toEqual({
        qsessions_session: true,
        qsessions_revocation: false,
      });

      expect(await app.runMigrations()).toHaveLength(2);
      expect(await pendingSchemaChanges(app)).toEqual([]);
    });
  });

  it('on a new database, both migrations run: the revocations one finds its table made and leaves it', async () => {
    const connection = connectionFor(kind);
    await databaseWithUserTable(connection, IntUser);
    setQSessionUserEntity(IntUser);
    const app = new DataSource({
      ...connection,
      entities: [IntUser, ...QSESSIONS_ENTITIES],
      migrations: [
        createQSessionsMigration({ timestamp: TIMESTAMP }),
        createQSessionRevocationsMigration({ timestamp: UPGRADE_TIMESTAMP }),
        createQSessionsUpgradeMigration({ timestamp: COLUMNS_TIMESTAMP }),
      ],
    });
    await app.initialize();
    try {
      expect((await app.runMigrations()).map((migration) => migration.name)).toEqual([
        `CreateQSessionsTable${TIMESTAMP}`,
        `CreateQSessionRevocationsTable${UPGRADE_TIMESTAMP}`,
        `UpgradeQSessionsTable${COLUMNS_TIMESTAMP}`,
      ]);
      expect(await pendingSchemaChanges(app)).toEqual([]);
      await expectRevocationsWork(app);
      await expectPolicyColumnsWork(app);
      await expectHistoryWorks(app, IntUser);
    } finally {
      await app.destroy();
    }
  });

  it.each([
    { label: 'createQSessionsMigration', migrations: () => [createQSessionsMigration({ timestamp: TIMESTAMP })] },
    {
      label: "0.1.0's migration then createQSessionRevocationsMigration and createQSessionsUpgradeMigration",
      migrations: () => [
        sessionsMigrationOf010(TIMESTAMP),
        createQSessionRevocationsMigration({ timestamp: UPGRADE_TIMESTAMP }),
        createQSessionsUpgradeMigration({ timestamp: COLUMNS_TIMESTAMP }),
      ],
    },
  ])('$label: the entityPrefix applies to the tables as to the entities', async ({ migrations }) => {
    const connection = { ...connectionFor(kind), entityPrefix: 'app_' } as DataSourceOptions;
    await databaseWithUserTable(connection, IntUser);
    setQSessionUserEntity(IntUser);
    const app = new DataSource({
      ...connection,
      entities: [IntUser, ...QSESSIONS_ENTITIES],
      migrations: migrations(),
    } as DataSourceOptions);
    await app.initialize();
    try {
      await app.runMigrations();
      expect(
        await tablesExist(app, [
          'app_qsessions_session',
          'app_qsessions_revocation',
          'app_qsessions_history',
          'app_qsessions_revoke_link',
        ]),
      ).toEqual({
        app_qsessions_session: true,
        app_qsessions_revocation: true,
        app_qsessions_history: true,
        app_qsessions_revoke_link: true,
      });
      expect(await pendingSchemaChanges(app)).toEqual([]);
      await expectRevocationsWork(app);
    } finally {
      await app.destroy();
    }
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

  it('createQSessionRevocationsMigration checks them alike', () => {
    expect(() => createQSessionRevocationsMigration({ timestamp: 1234 })).toThrow(
      'nest-qsessions: createQSessionRevocationsMigration() needs `timestamp`, a 13-digit time in milliseconds later than your existing migrations, e.g. { timestamp: ',
    );
    expect(() => createQSessionRevocationsMigration({ timestamp: 1234 })).toThrow('got 1234.');
    expect(() => createQSessionRevocationsMigration({} as { timestamp: number })).toThrow('needs `timestamp`');
    expect(() => createQSessionRevocationsMigration({ timestamp: TIMESTAMP + 0.5 })).toThrow('needs `timestamp`');
    expect(() => createQSessionRevocationsMigration({ timestamp: TIMESTAMP, name: 'Revocations' })).toThrow(
      `nest-qsessions: a migration name must end with its timestamp (${TIMESTAMP}); got "Revocations".`,
    );
  });

  it('createQSessionsUpgradeMigration checks them alike and is named UpgradeQSessionsTable<timestamp>, or as asked', () => {
    expect(() => createQSessionsUpgradeMigration({ timestamp: 1234 })).toThrow(
      'nest-qsessions: createQSessionsUpgradeMigration() needs `timestamp`, a 13-digit time in milliseconds later than your existing migrations',
    );
    expect(() => createQSessionsUpgradeMigration({ timestamp: TIMESTAMP, name: 'Upgrade' })).toThrow(
      `a migration name must end with its timestamp (${TIMESTAMP})`,
    );
    expect(new (createQSessionsUpgradeMigration({ timestamp: TIMESTAMP }))().name).toBe(
      `UpgradeQSessionsTable${TIMESTAMP}`,
    );
    const Named = createQSessionsUpgradeMigration({ timestamp: TIMESTAMP, name: `AddSessionColumns${TIMESTAMP}` });
    expect(Named.name).toBe(`AddSessionColumns${TIMESTAMP}`);
  });

  it('names the revocations migration CreateQSessionRevocationsTable<timestamp>, or as asked', () => {
    const Migration = createQSessionRevocationsMigration({ timestamp: UPGRADE_TIMESTAMP });
    expect(Migration.name).toBe(`CreateQSessionRevocationsTable${UPGRADE_TIMESTAMP}`);
    expect(new Migration().name).toBe(`CreateQSessionRevocationsTable${UPGRADE_TIMESTAMP}`);
    const named = createQSessionRevocationsMigration({
      timestamp: UPGRADE_TIMESTAMP,
      name: `Held${UPGRADE_TIMESTAMP}`,
    });
    expect(new named().name).toBe(`Held${UPGRADE_TIMESTAMP}`);
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
