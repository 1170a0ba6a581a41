import { TableColumn } from 'typeorm';
import { QSESSION_TABLE } from '../qsession.entity.js';
import {
  addedSessionColumns,
  migrationName,
  namedMigration,
  prefixedTableName,
  type QSessionsMigrationClass,
} from './create-qsessions-migration.js';

/** Options of {@link createQSessionsUpgradeMigration}. */
export interface QSessionsUpgradeMigrationOptions {
  /**
   * When the migration was written, in milliseconds since the epoch (13 digits, as TypeORM's own
   * migration names end with): take `Date.now()` when you add it, and never change it afterwards
   * (it is the migration's name). Later than your existing migrations, so that it sorts after them.
   */
  timestamp: number;
  /** Migration name. Default `UpgradeQSessionsTable<timestamp>`. */
  name?: string;
}

/**
 * Makes a TypeORM migration that brings a `qsessions_session` table created by version 0.1.0's
 * {@link createQSessionsMigration} to this version's QSession entity: it adds the columns
 * `reauthenticated_at` (when the user last proved who they are, for `@RequireFreshSession()`),
 * `label` (the device name of `SessionService.rename()`) and `client_hints` (the User-Agent
 * Client Hints of the `clientHints` option), all nullable. A column already there is left as it
 * is, so the migration also runs after the current createQSessionsMigration on a new database,
 * and on a table that already has some of them. `down` drops the three columns.
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
    },
    async down(queryRunner) {
      const tableName = prefixedTableName(queryRunner, 'QSession', QSESSION_TABLE);
      for (const column of addedSessionColumns(queryRunner).reverse()) {
        if (await queryRunner.hasColumn(tableName, column.name)) await queryRunner.dropColumn(tableName, column.name);
      }
    },
  });
}
