import { Table, TableForeignKey, TableIndex, type QueryRunner, type TableColumnOptions } from 'typeorm';
import { QSESSION_HISTORY_TABLE } from '../qsession-history.entity.js';
import { QSESSION_REVOKE_LINK_TABLE } from '../qsession-revoke-link.entity.js';
import {
  columnNamer,
  dateColumnType,
  prefixedTableName,
  registeredUserTable,
  userPrimaryKey,
} from './schema-helpers.js';

/** The user table's key and the foreign key to it, as both history tables have them. */
interface UserReference {
  /** The user_id column, typed like the user table's primary key. */
  column: TableColumnOptions;
  foreignKeyOf(table: string): TableForeignKey;
}

/**
 * Creates `qsessions_history` and `qsessions_revoke_link` as QSessionHistoryEntry and
 * QSessionRevokeLink define them, each unless it exists (so that the upgrade migration also runs
 * after a new database's createQSessionsMigration).
 */
export async function createHistoryTables(queryRunner: QueryRunner, userTable: string | undefined): Promise<void> {
  const historyTable = prefixedTableName(queryRunner, 'QSessionHistoryEntry', QSESSION_HISTORY_TABLE);
  const linksTable = prefixedTableName(queryRunner, 'QSessionRevokeLink', QSESSION_REVOKE_LINK_TABLE);
  const needsHistory = !(await queryRunner.hasTable(historyTable));
  const needsLinks = !(await queryRunner.hasTable(linksTable));
  if (!needsHistory && !needsLinks) return;
  const user = await userReference(queryRunner, userTable);
  if (needsHistory) await createHistoryTable(queryRunner, historyTable, user);
  if (needsLinks) await createLinksTable(queryRunner, linksTable, user);
}

async function userReference(queryRunner: QueryRunner, userTable: string | undefined): Promise<UserReference> {
  const userTableName = userTable ?? registeredUserTable(queryRunner);
  const userKey = await userPrimaryKey(queryRunner, userTableName);
  const userId = columnNamer(queryRunner)('userId', 'user_id');
  return {
    column: { ...userKey.columnOptions, name: userId, isNullable: false },
    foreignKeyOf: (table) =>
      new TableForeignKey({
        name: queryRunner.connection.namingStrategy.foreignKeyName(table, [userId], userKey.tableName, [
          userKey.columnName,
        ]),
        columnNames: [userId],
        referencedTableName: userTableName,
        referencedColumnNames: [userKey.columnName],
        onDelete: 'CASCADE',
        onUpdate: 'NO ACTION',
      }),
  };
}

async function createHistoryTable(queryRunner: QueryRunner, table: string, user: UserReference): Promise<void> {
  const column = columnNamer(queryRunner);
  const { driver } = queryRunner.connection;
  const at = column('at', 'at');
  const id = column('id', 'id');
  // As TypeORM types a @PrimaryGeneratedColumn() without a type (integer, or int on MySQL/MariaDB), and a boolean.
  const idType = driver.normalizeType({ type: Number });
  const booleanType = driver.normalizeType({ type: Boolean });
  const text = (property: string, name: string, length: number, isNullable = true): TableColumnOptions => ({
    name: column(property, name),
    type: 'varchar',
    length: String(length),
    isNullable,
  });
  await queryRunner.createTable(
    new Table({
      name: table,
      columns: [
        { name: id, type: idType, isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
        user.column,
        text('sessionId', 'session_id', 64, false),
        text('event', 'event', 16, false),
        text('reason', 'reason', 64),
        text('actor', 'actor', 64),
        { name: at, type: dateColumnType(queryRunner), precision: 3 },
        text('ip', 'ip', 45),
        text('userAgent', 'user_agent', 300),
        text('device', 'device', 120, false),
        text('deviceKey', 'device_key', 120, false),
        text('country', 'country', 2),
        text('city', 'city', 100),
        text('location', 'location', 160),
        { name: column('newDevice', 'new_device'), type: booleanType, isNullable: true },
        { name: column('newLocation', 'new_location'), type: booleanType, isNullable: true },
      ],
    }),
  );
  // Indexes before the foreign key (see createSessionsTable): MySQL and MariaDB then use
  // (user_id, at, id) for the key instead of adding one of their own.
  await queryRunner.createIndices(table, [
    new TableIndex({ name: 'qsessions_history_user_at_idx', columnNames: [user.column.name, at, id] }),
    new TableIndex({ name: 'qsessions_history_session_idx', columnNames: [column('sessionId', 'session_id')] }),
    new TableIndex({ name: 'qsessions_history_at_idx', columnNames: [at] }),
  ]);
  await queryRunner.createForeignKey(table, user.foreignKeyOf(table));
}

async function createLinksTable(queryRunner: QueryRunner, table: string, user: UserReference): Promise<void> {
  const column = columnNamer(queryRunner);
  const expiresAt = column('expiresAt', 'expires_at');
  await queryRunner.createTable(
    new Table({
      name: table,
      columns: [
        { name: column('tokenDigest', 'token_digest'), type: 'varchar', length: '64', isPrimary: true },
        user.column,
        { name: column('sessionId', 'session_id'), type: 'varchar', length: '64' },
        { name: expiresAt, type: dateColumnType(queryRunner), precision: 3 },
      ],
    }),
  );
  await queryRunner.createIndices(table, [
    new TableIndex({ name: 'qsessions_revoke_link_user_idx', columnNames: [user.column.name] }),
    new TableIndex({ name: 'qsessions_revoke_link_expires_idx', columnNames: [expiresAt] }),
  ]);
  await queryRunner.createForeignKey(table, user.foreignKeyOf(table));
}

/** Drops the history's tables if they exist. */
export async function dropHistoryTables(queryRunner: QueryRunner): Promise<void> {
  for (const [entity, table] of [
    ['QSessionRevokeLink', QSESSION_REVOKE_LINK_TABLE],
    ['QSessionHistoryEntry', QSESSION_HISTORY_TABLE],
  ] as const) {
    await queryRunner.dropTable(prefixedTableName(queryRunner, entity, table), true, true, true);
  }
}
