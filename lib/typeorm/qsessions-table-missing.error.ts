/**
 * Thrown at start-up when the sessions table does not exist in the DataSource the sessions use:
 * the app neither synchronizes its schema nor ran the qsessions migration. Without this check it
 * would start, and its first sign-in would answer 500. The message names the table and the
 * DataSource, and shows both ways to create the table.
 */
export class QSessionsTableMissingError extends Error {
  /**
   * @param tablePath the table as TypeORM names it (with its schema and `entityPrefix`, if any).
   * @param dataSource which DataSource was checked, e.g. `the default TypeORM DataSource (postgres, database "app")`.
   */
  constructor(
    readonly tablePath: string,
    readonly dataSource: string,
  ) {
    super(
      `nest-qsessions: the sessions table "${tablePath}" does not exist in ${dataSource}, so every request ` +
        'that uses a session would fail. Create it in one of two ways:\n' +
        '  1. in development, let TypeORM create it from the entities: `synchronize: true` in the TypeORM options, ' +
        'e.g. TypeOrmModule.forRoot({ ..., autoLoadEntities: true, synchronize: true });\n' +
        "  2. otherwise, with the migration nest-qsessions provides: add it to the DataSource's `migrations` and run " +
        'them (`migrationsRun: true` in the TypeORM options, or `typeorm migration:run -d <your data source file>`):\n' +
        "       import { createQSessionsMigration } from 'nest-qsessions/migrations';\n" +
        `       new DataSource({ ..., migrations: [createQSessionsMigration({ timestamp: ${Date.now()} })] })\n` +
        "     (take the timestamp once and keep it: it must be later than your user table's migration).",
    );
    this.name = 'QSessionsTableMissingError';
  }
}
