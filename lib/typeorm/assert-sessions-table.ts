import type { DataSource } from 'typeorm';
import { QSessionRevocation } from './qsession-revocation.entity.js';
import { QSessionHistoryEntry } from './qsession-history.entity.js';
import { QSessionRevokeLink } from './qsession-revoke-link.entity.js';
import { QSession } from './qsession.entity.js';
import { QSessionsTableMissingError } from './qsessions-table-missing.error.js';

/** What {@link assertSessionsTableExists} checks besides the sessions table. */
export interface SessionsTableCheck {
  /**
   * Also the table of held revocations (`qsessions_revocation`): true when the `cached_db`
   * engine uses a shared cache, whose revocations it holds when the cache cannot take them.
   */
  revocations: boolean;
  /** Also the history's tables (`qsessions_history`, `qsessions_revoke_link`): true with the `history` option. */
  history?: boolean;
}

/**
 * Fails with a {@link QSessionsTableMissingError} when the sessions table is missing from
 * `dataSource` (and, with `check.revocations`, the table of held revocations), so that an app
 * that neither synchronizes nor migrates fails at start-up rather than on its first sign-in (or
 * its first revocation during a cache outage). Run once the DataSource is initialized: TypeORM's
 * `synchronize` and `migrationsRun` have then already created the tables.
 *
 * It costs one query per table when the tables are there: a `SELECT` that reads no row, written
 * by TypeORM's query builder as the session statements are (same quoting, same schema
 * resolution). Only when that fails is the catalogue asked whether the table exists; any other
 * failure (an unreachable database, a missing privilege) is rethrown as it is, never reported as
 * a missing table. The sessions table is checked first: when both are missing, its error names
 * the migration that creates both.
 *
 * @param dataSourceName the DataSource's name in TypeOrmModule, undefined for the default one.
 */
export async function assertSessionsTableExists(
  dataSource: DataSource,
  dataSourceName: string | undefined,
  check: SessionsTableCheck = { revocations: false },
): Promise<void> {
  // With `manualInitialization` the app connects later, on its own: there is nothing to ask yet.
  if (!dataSource.isInitialized) return;
  await assertTableExists(dataSource, dataSourceName, QSession, 'sessions');
  if (check.revocations) await assertTableExists(dataSource, dataSourceName, QSessionRevocation, 'revocations');
  if (check.history) {
    await assertTableExists(dataSource, dataSourceName, QSessionHistoryEntry, 'history');
    await assertTableExists(dataSource, dataSourceName, QSessionRevokeLink, 'history');
  }
}

/** Fails with a {@link QSessionsTableMissingError} when the table of `entity` is missing. */
async function assertTableExists(
  dataSource: DataSource,
  dataSourceName: string | undefined,
  entity: typeof QSession | typeof QSessionRevocation | typeof QSessionHistoryEntry | typeof QSessionRevokeLink,
  table: QSessionsTableMissingError['table'],
): Promise<void> {
  const tablePath = dataSource.getMetadata(entity).tablePath;
  const probe = dataSource.createQueryBuilder().select('1').from(entity, 'probe').where('1 = 0').getQuery();
  try {
    await dataSource.query(probe);
  } catch (probeError) {
    if (await isTableMissing(dataSource, tablePath)) {
      throw new QSessionsTableMissingError(tablePath, describeDataSource(dataSource, dataSourceName), table);
    }
    throw probeError;
  }
}

/** True only when the catalogue answers that the table does not exist. */
async function isTableMissing(dataSource: DataSource, tablePath: string): Promise<boolean> {
  const runner = dataSource.createQueryRunner();
  try {
    return !(await runner.hasTable(tablePath));
  } catch {
    // The catalogue cannot be read either: the probe's own error says more than a guess would.
    return false;
  } finally {
    await runner.release();
  }
}

/** `the default TypeORM DataSource (postgres, database "app")`: enough to spot the wrong database. */
function describeDataSource(dataSource: DataSource, name: string | undefined): string {
  const { type, database } = dataSource.options;
  // Only the database's name or file: connection URLs and hosts may carry credentials.
  const where = typeof database === 'string' ? `${type}, database ${JSON.stringify(database)}` : type;
  return `${name === undefined ? 'the default TypeORM DataSource' : `the TypeORM DataSource "${name}"`} (${where})`;
}
