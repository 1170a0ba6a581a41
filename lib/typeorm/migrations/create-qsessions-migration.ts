import {
  Table,
  TableColumn,
  TableForeignKey,
  TableIndex,
  type MigrationInterface,
  type QueryRunner,
  type TableColumnOptions,
} from 'typeorm';
import { QSESSION_TABLE } from '../qsession.entity.js';
import { resolveQSessionUserEntity } from '../user-entity.js';

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

/** A migration class made by {@link createQSessionsMigration}, ready for a DataSource's `migrations`. */
export type QSessionsMigrationClass = new () => MigrationInterface;

/**
 * Makes a TypeORM migration that creates the `qsessions_session` table exactly as the QSession
 * entity defines it (so `synchronize` would find nothing to change): columns, primary key, the
 * indexes `qsessions_session_expire_date_idx` (expire_date) and `qsessions_session_user_expire_idx`
 * (user_id, expire_date), and a foreign key user_id → your user table ON DELETE CASCADE. The
 * user_id column takes the type of the user table's primary key as found in the database
 * (integer, bigint, uuid, varchar...), which is what the entity's relation also does. `down`
 * drops the table.
 *
 * ```ts
 * // src/migrations/1719000000000-create-qsessions.ts
 * export const CreateQSessionsTable1719000000000 = createQSessionsMigration({ timestamp: 1719000000000, userTable: 'user' });
 * // or: new DataSource({ ..., migrations: [createQSessionsMigration({ timestamp: 1719000000000 })] })
 * ```
 *
 * The table is created in the DataSource's default schema, with its `entityPrefix` and naming
 * strategy applied as for the entity.
 */
export function createQSessionsMigration(options: QSessionsMigrationOptions): QSessionsMigrationClass {
  const { timestamp } = options;
  if (!Number.isSafeInteger(timestamp) || timestamp < 1e12 || timestamp >= 1e13) {
    throw new Error(
      'nest-qsessions: createQSessionsMigration() needs `timestamp`, a 13-digit time in milliseconds later than ' +
        `your user table's migration, e.g. { timestamp: ${Date.now()} } (take it once and keep it); got ${String(timestamp)}.`,
    );
  }
  const name = options.name ?? `CreateQSessionsTable${timestamp}`;
  if (!name.endsWith(String(timestamp))) {
    // TypeORM reads the timestamp off the end of the name.
    throw new Error(
      `nest-qsessions: a migration name must end with its timestamp (${timestamp}); got ${JSON.stringify(name)}.`,
    );
  }

  const migration = class implements MigrationInterface {
    readonly name = name;

    async up(queryRunner: QueryRunner): Promise<void> {
      const userTableName = options.userTable ?? registeredUserTable(queryRunner);
      const userKey = await userPrimaryKey(queryRunner, userTableName);
      const { namingStrategy, driver } = queryRunner.connection;
      const tableName = qsessionsTableName(queryRunner);
      const column = (property: string, databaseName: string) => namingStrategy.columnName(property, databaseName, []);
      // As TypeORM types a Date property (timestamp on PostgreSQL, datetime elsewhere).
      const dateType = driver.normalizeType({ type: Date });
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

    async down(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.dropTable(qsessionsTableName(queryRunner), true, true, true);
    }
  };
  // The class's own name too, for TypeORM's logs and for code that reads constructor.name.
  Object.defineProperty(migration, 'name', { value: name });
  return migration;
}

/** `qsessions_session`, through the naming strategy and with the DataSource's `entityPrefix`. */
function qsessionsTableName(queryRunner: QueryRunner): string {
  const { namingStrategy, options } = queryRunner.connection;
  const base = namingStrategy.tableName('QSession', QSESSION_TABLE);
  return options.entityPrefix ? namingStrategy.prefixTableName(options.entityPrefix, base) : base;
}

/** The table of the registered user entity, or an error that says how to name it. */
function registeredUserTable(queryRunner: QueryRunner): string {
  try {
    return queryRunner.connection.getMetadata(resolveQSessionUserEntity()).tablePath;
  } catch {
    throw new Error(
      'nest-qsessions: the qsessions migration does not know your user table. Give it: ' +
        "createQSessionsMigration({ timestamp, userTable: 'user' }), or call setQSessionUserEntity(User) in the " +
        'data source file and list User in its `entities`.',
    );
  }
}

/** The user table's single primary key column, as the database has it. */
async function userPrimaryKey(
  queryRunner: QueryRunner,
  userTableName: string,
): Promise<{ tableName: string; columnName: string; columnOptions: TableColumnOptions }> {
  const table = await queryRunner.getTable(userTableName);
  if (!table) {
    throw new Error(
      `nest-qsessions: the user table ${JSON.stringify(userTableName)} does not exist yet. The qsessions migration ` +
        'must run after the one that creates it: give it a later `timestamp` (or fix `userTable`).',
    );
  }
  const primary = table.primaryColumns;
  if (primary.length !== 1) {
    throw new Error(
      `nest-qsessions: the user table ${JSON.stringify(userTableName)} has ${primary.length} primary key columns; ` +
        'sessions need a user entity with a single-column primary key.',
    );
  }
  const key: TableColumn = primary[0]!;
  // The column's type exactly (length, unsigned, charset...), but none of its key role.
  const columnOptions: TableColumnOptions = {
    name: key.name,
    type: key.type,
    length: key.length || undefined,
    precision: key.precision ?? undefined,
    scale: key.scale,
    unsigned: key.unsigned,
    charset: key.charset,
    collation: key.collation,
  };
  return { tableName: table.name, columnName: key.name, columnOptions };
}
