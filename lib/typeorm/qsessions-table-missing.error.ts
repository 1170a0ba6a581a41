/**
 * Thrown at start-up when a table of nest-qsessions does not exist in the DataSource the sessions
 * use. Without this check the app would start and fail later: its first sign-in would answer 500
 * (the sessions table), or a revocation the shared cache could not take would be lost (the
 * held-revocations table). The message names the table and the DataSource, and shows both ways to
 * create the table.
 *
 * - `table: 'sessions'`: `qsessions_session` is missing; the app neither synchronizes its schema
 *   nor ran the qsessions migration (createQSessionsMigration, which creates both tables).
 * - `table: 'revocations'`: `qsessions_revocation` is missing while the `cached_db` engine uses a
 *   shared cache (Redis, `cache.instance`, the app's CACHE_MANAGER); typically an app upgraded
 *   from 0.1.0, whose createQSessionsMigration created the sessions table alone, and that needs
 *   createQSessionRevocationsMigration.
 * - `table: 'history'`: `qsessions_history` or `qsessions_revoke_link` is missing while the
 *   `history` option is on; created by createQSessionsMigration (new apps) or
 *   createQSessionsUpgradeMigration (apps that ran an earlier version's migration).
 */
export class QSessionsTableMissingError extends Error {
  /**
   * @param tablePath the table as TypeORM names it (with its schema and `entityPrefix`, if any).
   * @param dataSource which DataSource was checked, e.g. `the default TypeORM DataSource (postgres, database "app")`.
   * @param table which table of nest-qsessions is missing. Default `'sessions'`.
   */
  constructor(
    readonly tablePath: string,
    readonly dataSource: string,
    readonly table: 'sessions' | 'revocations' | 'history' = 'sessions',
  ) {
    super(
      table === 'sessions'
        ? sessionsMessage(tablePath, dataSource)
        : table === 'revocations'
          ? revocationsMessage(tablePath, dataSource)
          : historyMessage(tablePath, dataSource),
    );
    this.name = 'QSessionsTableMissingError';
  }
}

function sessionsMessage(tablePath: string, dataSource: string): string {
  return (
    `nest-qsessions: the sessions table "${tablePath}" does not exist in ${dataSource}, so every request ` +
    'that uses a session would fail. Create it in one of two ways:\n' +
    synchronizeFix() +
    migrationFix('createQSessionsMigration') +
    "     (take the timestamp once and keep it: it must be later than your user table's migration)."
  );
}

function revocationsMessage(tablePath: string, dataSource: string): string {
  return (
    `nest-qsessions: the table of held revocations "${tablePath}" does not exist in ${dataSource}. The cached_db ` +
    'engine with a shared cache needs it: it keeps the revocations the cache could not take, so that no revoked ' +
    'session stays usable. Create it in one of two ways:\n' +
    synchronizeFix() +
    migrationFix('createQSessionRevocationsMigration') +
    '     (take the timestamp once and keep it; keep createQSessionsMigration in the list too: with nest-qsessions ' +
    '0.1.0 it created the sessions table alone, and TypeORM never runs it again).'
  );
}

function historyMessage(tablePath: string, dataSource: string): string {
  return (
    `nest-qsessions: the history table "${tablePath}" does not exist in ${dataSource}. The \`history\` option ` +
    'needs it. Create it in one of two ways:\n' +
    synchronizeFix() +
    migrationFix('createQSessionsUpgradeMigration') +
    '     (take the timestamp once and keep it; it adds what this version needs to the tables of an earlier one).'
  );
}

function synchronizeFix(): string {
  return (
    '  1. in development, let TypeORM create it from the entities: `synchronize: true` in the TypeORM options, ' +
    'e.g. TypeOrmModule.forRoot({ ..., autoLoadEntities: true, synchronize: true });\n'
  );
}

function migrationFix(factory: string): string {
  return (
    "  2. otherwise, with the migration nest-qsessions provides: add it to the DataSource's `migrations` and run " +
    'them (`migrationsRun: true` in the TypeORM options, or `typeorm migration:run -d <your data source file>`):\n' +
    `       import { ${factory} } from 'nest-qsessions/migrations';\n` +
    `       new DataSource({ ..., migrations: [${factory}({ timestamp: ${Date.now()} })] })\n`
  );
}
