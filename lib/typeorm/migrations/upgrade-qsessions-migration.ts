import { TableColumn } from 'typeorm';
import { QSESSION_TABLE } from '../qsession.entity.js';
import {
  addedSessionColumns,
  migrationName,
  namedMigration,
  type QSessionsMigrationClass,
} from './create-qsessions-migration.js';
import { createHistoryTables, dropHistoryTables } from './history-tables.js';
import { prefixedTableName } from './schema-helpers.js';

/** Options of {@link createQSessionsUpgradeMigration}. */
export interface QSessionsUpgradeMigrationOptions {
  /**
   * When the migration was written, in milliseconds since the epoch (13 digits, as TypeORM's own
   * migration names end with): take `Date.now()` when you add it, and never change it afterwards
   * (it is the migration's name). Later than your existing migrations, so that it sorts after them.
   */
  timestamp: number;
  /**
   * Table of your user entity, for the history tables' foreign keys. Default: the table of the
   * entity given to `setQSessionUserEntity` (it must then be among the DataSource's entities).
   */
  userTable?: string;
  /** Migration name. Default `UpgradeQSessionsTable<timestamp>`. */
  name?: string;
}

/**
 * Makes a TypeORM migration that brings the tables created by an earlier version's
 * {@link createQSessionsMigration} to this version's entities: it adds to `qsessions_session` the
 * columns `reauthenticated_at` (when the user last proved who they are, for
 * `@RequireFreshSession()`), `label` (the device name of `SessionService.rename()`) and
 * `client_hints` (the User-Agent Client Hints of the `clientHints` option), all nullable, and
 * creates `qsessions_history` and `qsessions_revoke_link` (the `history` option) with their
 * indexes and foreign keys to your user table. A column or table already there is left as it is,
 * so the migration also runs after the current createQSessionsMigration on a new database, and on
 * a schema that already has some of them. `down` drops the three columns and the two tables.
 *
 * Sessions signed in before the upgrade have no `reauthenticated_at`: `@RequireFreshSession()`
 * asks their users to confirm who they are once.
 *
 * ```ts
 * // src/migrations/1767000000000-upgrade-qsessions.ts
 * export const UpgradeQSessionsTable1767000000000 = createQSessionsUpgradeMigration({ timestamp: 1767000000000 });
 * ```
 */
export function createQSessionsUpgradeMigration(options: QSessionsUpgradeMigrationOptions): QSessionsMigrationClass {
  const name = migrationName(
    'createQSessionsUpgradeMigration',
    options,
    'UpgradeQSessionsTable',
    'later than your existing migrations',
  );

  return namedMigration(name, {
    async up(queryRunner) {
      const tableName = prefixedTableName(queryRunner, 'QSession', QSESSION_TABLE);
      for (const column of addedSessionColumns(queryRunner)) {
        if (!(await queryRunner.hasColumn(tableName, column.name))) {
          await queryRunner.addColumn(tableName, new TableColumn(column));
        }
      }
      await createHistoryTables(queryRunner, options.userTable);
    },
    async down(queryRunner) {
      await dropHistoryTables(queryRunner);
      const tableName = prefixedTableName(queryRunner, 'QSession', QSESSION_TABLE);
      for (const column of addedSessionColumns(queryRunner).reverse()) {
        if (await queryRunner.hasColumn(tableName, column.name)) await queryRunner.dropColumn(tableName, column.name);
      }
    },
  });
}
