import type { DataSource } from 'typeorm';
import { QSession } from './qsession.entity.js';
import { QSessionsTableMissingError } from './qsessions-table-missing.error.js';
import { quotedTablePath } from './quoted-table-path.js';

/**
 * Fails with a {@link QSessionsTableMissingError} when the sessions table is missing from
 * `dataSource`, so that an app that neither synchronizes nor migrates fails at start-up rather
 * than on its first sign-in. Run once the DataSource is initialized: TypeORM's `synchronize` and
 * `migrationsRun` have then already created the table.
 *
 * It costs one query when the table is there: a `SELECT` that reads no row, written as the
 * session statements are (same quoting, same schema resolution). Only when that fails is the
 * catalogue asked whether the table exists; any other failure (an unreachable database, a
 * missing privilege) is rethrown as it is, never reported as a missing table.
 *
 * @param dataSourceName the DataSource's name in TypeOrmModule, undefined for the default one.
 */
export async function assertSessionsTableExists(
  dataSource: DataSource,
  dataSourceName: string | undefined,
): Promise<void> {
  // With `manualInitialization` the app connects later, on its own: there is nothing to ask yet.
  if (!dataSource.isInitialized) return;
  const tablePath = dataSource.getMetadata(QSession).tablePath;
  try {
    await dataSource.query(`SELECT 1 FROM ${quotedTablePath(dataSource.driver, tablePath)} WHERE 1 = 0`);
  } catch (probeError) {
    if (await isTableMissing(dataSource, tablePath)) {
      throw new QSessionsTableMissingError(tablePath, describeDataSource(dataSource, dataSourceName));
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
