import type { QueryRunner, TableColumn, TableColumnOptions } from 'typeorm';
import { resolveQSessionUserEntity } from '../user-entity.js';

// What the migrations of nest-qsessions share: table and column names as the DataSource's naming
// strategy makes them, column types as TypeORM gives them to the entities, and the user table.

/** `table` of the entity class `entityName`, through the naming strategy and with the DataSource's `entityPrefix`. */
export function prefixedTableName(queryRunner: QueryRunner, entityName: string, table: string): string {
  const { namingStrategy, options } = queryRunner.connection;
  const base = namingStrategy.tableName(entityName, table);
  return options.entityPrefix ? namingStrategy.prefixTableName(options.entityPrefix, base) : base;
}

/** A column's name through the naming strategy, from its property and the name the entity gives it. */
export function columnNamer(queryRunner: QueryRunner): (property: string, databaseName: string) => string {
  const { namingStrategy } = queryRunner.connection;
  return (property, databaseName) => namingStrategy.columnName(property, databaseName, []);
}

/** As TypeORM types a Date property (timestamp on PostgreSQL, datetime elsewhere). */
export function dateColumnType(queryRunner: QueryRunner): string {
  return queryRunner.connection.driver.normalizeType({ type: Date });
}

/** The table of the registered user entity, or an error that says how to name it. */
export function registeredUserTable(queryRunner: QueryRunner): string {
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
export async function userPrimaryKey(
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
