import {
  Table,
  TableForeignKey,
  TableIndex,
  type MigrationInterface,
  type QueryRunner,
  type TableColumnOptions,
} from 'typeorm';
import { QSESSION_REVOCATION_TABLE } from '../qsession-revocation.entity.js';
import { QSESSION_TABLE } from '../qsession.entity.js';
import { createHistoryTables, dropHistoryTables } from './history-tables.js';
import {
  columnNamer,
  dateColumnType,
  prefixedTableName,
  registeredUserTable,
  userPrimaryKey,
} from './schema-helpers.js';

/** Options of {@link createQSessionsMigration}. */
export interface QSessionsMigrationOptions {
  /**
   * When the migration was written, in milliseconds since the epoch (13 digits, as TypeORM's own
   * migration names end with). TypeORM runs migrations in timestamp order, and this one needs
   * your user table, so it must be later than the migration that creates that table: take
   * `Date.now()` when you add it, and never change it afterwards (it is the migration's name).
   */
  timestamp: number;
  /**
   * Table of your user entity. Default: the table of the entity given to
   * `setQSessionUserEntity` (it must then be among the DataSource's entities).
   */
  userTable?: string;
  /** Migration name. Default `CreateQSessionsTable<timestamp>`. */
  name?: string;
}

/** Options of {@link createQSessionRevocationsMigration}. */
export interface QSessionRevocationsMigrationOptions {
  /**
   * When the migration was written, in milliseconds since the epoch (13 digits, as TypeORM's own
   * migration names end with): take `Date.now()` when you add it, and never change it afterwards
   * (it is the migration's name). Later than your existing migrations, so that it sorts after them.
   */
  timestamp: number;
  /** Migration name. Default `CreateQSessionRevocationsTable<timestamp>`. */
  name?: string;
}

/**
 * A migration class made by {@link createQSessionsMigration} or
 * {@link createQSessionRevocationsMigration}, ready for a DataSource's `migrations`.
 */
export type QSessionsMigrationClass = new () => MigrationInterface;

/**
 * Makes a TypeORM migration that creates the tables of nest-qsessions exactly as their entities
 * define them (so `synchronize` would find nothing to change):
 *
 * - `qsessions_session` (the QSession entity): columns, primary key, the indexes
 *   `qsessions_session_expire_date_idx` (expire_date) and `qsessions_session_user_expire_idx`
 *   (user_id, expire_date), and a foreign key user_id → your user table ON DELETE CASCADE. The
 *   user_id column takes the type of the user table's primary key as found in the database
 *   (integer, bigint, uuid, varchar...), which is what the entity's relation also does.
 * - `qsessions_revocation` (the QSessionRevocation entity): revocations a shared cache (Redis)
 *   could not take, which the `cached_db` engine with a shared cache needs. Left as it is if it
 *   already exists.
 * - `qsessions_history` and `qsessions_revoke_link` (QSessionHistoryEntry, QSessionRevokeLink):
 *   the sign-in history and its "This wasn't me" links, used with the `history` option; each
 *   with a foreign key to your user table ON DELETE CASCADE. Left as they are if they exist.
 *
 * `down` drops every table.
 *
 * ```ts
 * // src/migrations/1719000000000-create-qsessions.ts
 * export const CreateQSessionsTable1719000000000 = createQSessionsMigration({ timestamp: 1719000000000, userTable: 'user' });
 * // or: new DataSource({ ..., migrations: [createQSessionsMigration({ timestamp: 1719000000000 })] })
 * ```
 *
 * The tables are created in the DataSource's default schema, with its `entityPrefix` and naming
 * strategy applied as for the entities. An app that already ran this migration with version
 * 0.1.0 (which created `qsessions_session` alone) adds {@link createQSessionRevocationsMigration}
 * for the second table: TypeORM never runs a migration twice.
 */
export function createQSessionsMigration(options: QSessionsMigrationOptions): QSessionsMigrationClass {
  const name = migrationName(
    'createQSessionsMigration',
    options,
    'CreateQSessionsTable',
    "later than your user table's migration",
  );

  return namedMigration(name, {
    async up(queryRunner) {
      await createSessionsTable(queryRunner, options.userTable);
      await createRevocationsTable(queryRunner);
      await createHistoryTables(queryRunner, options.userTable);
    },
    async down(queryRunner) {
      await dropHistoryTables(queryRunner);
      await dropRevocationsTable(queryRunner);
      await queryRunner.dropTable(prefixedTableName(queryRunner, 'QSession', QSESSION_TABLE), true, true, true);
    },
  });
}

/**
 * Makes a TypeORM migration that creates the `qsessions_revocation` table alone, exactly as the
 * QSessionRevocation entity defines it: for apps that already ran {@link createQSessionsMigration}
 * with version 0.1.0, which created `qsessions_session` only. The table holds revocations a shared
 * cache (Redis) could not take; the `cached_db` engine with a shared cache needs it. `down` drops
 * it.
 *
 * ```ts
 * // src/migrations/1735000000000-create-qsessions-revocation.ts
 * export const CreateQSessionRevocationsTable1735000000000 = createQSessionRevocationsMigration({ timestamp: 1735000000000 });
 * ```
 *
 * On a new database, where the current {@link createQSessionsMigration} has already created the
 * table, `up` leaves it as it is (and `down` still drops it). The table is created in the
 * DataSource's default schema, with its `entityPrefix` and naming strategy applied as for the entity.
 */
export function createQSessionRevocationsMigration(
  options: QSessionRevocationsMigrationOptions,
): QSessionsMigrationClass {
  const name = migrationName(
    'createQSessionRevocationsMigration',
    options,
    'CreateQSessionRevocationsTable',
    'later than your existing migrations',
  );

  return namedMigration(name, {
    up: createRevocationsTable,
    down: dropRevocationsTable,
  });
}

/**
 * The migration's name (`options.name`, or `<defaultPrefix><timestamp>`), once sure the timestamp
 * is 13 digits and the name ends with it; otherwise an error that names `factory` and says which
 * timestamp to take (`after`: what it must be later than).
 */
export function migrationName(
  factory: string,
  options: { timestamp: number; name?: string },
  defaultPrefix: string,
  after: string,
): string {
  const { timestamp } = options ?? ({} as { timestamp: number });
  if (!Number.isSafeInteger(timestamp) || timestamp < 1e12 || timestamp >= 1e13) {
    throw new Error(
      `nest-qsessions: ${factory}() needs \`timestamp\`, a 13-digit time in milliseconds ${after}, ` +
        `e.g. { timestamp: ${Date.now()} } (take it once and keep it); got ${String(timestamp)}.`,
    );
  }
  const name = options.name ?? `${defaultPrefix}${timestamp}`;
  if (!name.endsWith(String(timestamp))) {
    // TypeORM reads the timestamp off the end of the name.
    throw new Error(
      `nest-qsessions: a migration name must end with its timestamp (${timestamp}); got ${JSON.stringify(name)}.`,
    );
  }
  return name;
}

/** A migration class named `name` (its `name` property and the class's own) running these steps. */
export function namedMigration(
  name: string,
  steps: { up(queryRunner: QueryRunner): Promise<void>; down(queryRunner: QueryRunner): Promise<void> },
): QSessionsMigrationClass {
  const migration = class implements MigrationInterface {
    readonly name = name;

    async up(queryRunner: QueryRunner): Promise<void> {
      await steps.up(queryRunner);
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      await steps.down(queryRunner);
    }
  };
  // The class's own name too, for TypeORM's logs and for code that reads constructor.name.
  Object.defineProperty(migration, 'name', { value: name });
  return migration;
}

/**
 * The columns of `qsessions_session` that came after version 0.1.0's table: created with the
 * table, or added to an older one by createQSessionsUpgradeMigration.
 */
export function addedSessionColumns(queryRunner: QueryRunner): TableColumnOptions[] {
  const column = columnNamer(queryRunner);
  return [
    {
      name: column('reauthenticatedAt', 'reauthenticated_at'),
      type: dateColumnType(queryRunner),
      precision: 3,
      isNullable: true,
    },
    { name: column('label', 'label'), type: 'varchar', length: '64', isNullable: true },
    { name: column('clientHints', 'client_hints'), type: 'varchar', length: '512', isNullable: true },
  ];
}

/** Creates `qsessions_session` as the QSession entity defines it, with its indexes and foreign key. */
async function createSessionsTable(queryRunner: QueryRunner, userTable: string | undefined): Promise<void> {
  const userTableName = userTable ?? registeredUserTable(queryRunner);
  const userKey = await userPrimaryKey(queryRunner, userTableName);
  const { namingStrategy } = queryRunner.connection;
  const tableName = prefixedTableName(queryRunner, 'QSession', QSESSION_TABLE);
  const column = columnNamer(queryRunner);
  const dateType = dateColumnType(queryRunner);
  const userId = column('userId', 'user_id');
  const expireDate = column('expireDate', 'expire_date');

  await queryRunner.createTable(
    new Table({
      name: tableName,
      columns: [
        { name: column('sessionKey', 'session_key'), type: 'varchar', length: '64', isPrimary: true },
        { name: column('sessionData', 'session_data'), type: 'text' },
        { name: expireDate, type: dateType, precision: 3 },
        { ...userKey.columnOptions, name: userId, isNullable: true },
        { name: column('userAgent', 'user_agent'), type: 'varchar', length: '300', isNullable: true },
        { name: column('ip', 'ip'), type: 'varchar', length: '45', isNullable: true },
        { name: column('createdAt', 'created_at'), type: dateType, precision: 3 },
        { name: column('updatedAt', 'updated_at'), type: dateType, precision: 3 },
        ...addedSessionColumns(queryRunner),
      ],
    }),
  );
  // Indexes before the foreign key, as TypeORM's synchronize does: MySQL and MariaDB then
  // use the (user_id, expire_date) index for the key instead of adding one of their own.
  await queryRunner.createIndices(tableName, [
    new TableIndex({ name: 'qsessions_session_expire_date_idx', columnNames: [expireDate] }),
    new TableIndex({ name: 'qsessions_session_user_expire_idx', columnNames: [userId, expireDate] }),
  ]);
  await queryRunner.createForeignKey(
    tableName,
    new TableForeignKey({
      name: namingStrategy.foreignKeyName(tableName, [userId], userKey.tableName, [userKey.columnName]),
      columnNames: [userId],
      referencedTableName: userTableName,
      referencedColumnNames: [userKey.columnName],
      onDelete: 'CASCADE',
      onUpdate: 'NO ACTION',
    }),
  );
}

/**
 * Creates `qsessions_revocation` as the QSessionRevocation entity defines it, unless it exists
 * (a new database's createQSessionsMigration made it before the upgrade migration ran).
 */
async function createRevocationsTable(queryRunner: QueryRunner): Promise<void> {
  const column = columnNamer(queryRunner);
  // As TypeORM types a @PrimaryGeneratedColumn() without a type (integer, or int on MySQL/MariaDB).
  const idType = queryRunner.connection.driver.normalizeType({ type: Number });
  await queryRunner.createTable(
    new Table({
      name: prefixedTableName(queryRunner, 'QSessionRevocation', QSESSION_REVOCATION_TABLE),
      columns: [
        { name: column('id', 'id'), type: idType, isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
        { name: column('sessionKey', 'session_key'), type: 'varchar', length: '64', isNullable: true },
        { name: column('createdAt', 'created_at'), type: dateColumnType(queryRunner), precision: 3 },
      ],
    }),
    true,
  );
}

/** Drops `qsessions_revocation` if it exists. */
async function dropRevocationsTable(queryRunner: QueryRunner): Promise<void> {
  await queryRunner.dropTable(
    prefixedTableName(queryRunner, 'QSessionRevocation', QSESSION_REVOCATION_TABLE),
    true,
    true,
    true,
  );
}
