import type { DataSource } from 'typeorm';
import { QSession } from '../../typeorm/qsession.entity.js';
import { resolveQSessionUserEntity } from '../../typeorm/user-entity.js';
import { QSessionsCommandError } from '../command-error.js';
import { loadDataSourceFile } from './load-data-source.js';

/** A DataSource ready to use, and whether we opened it (then we also close it). */
export interface PreparedDataSource {
  dataSource: DataSource;
  opened: boolean;
}

/**
 * The DataSource the maintenance functions were given — an instance, or the path of a data
 * source file loaded as the TypeORM CLI loads one — prepared with {@link prepareDataSource}.
 */
export async function openGivenDataSource(given: DataSource | string): Promise<PreparedDataSource> {
  if (typeof given !== 'string') return prepareDataSource(given, 'the DataSource given');
  return prepareDataSource(await loadDataSourceFile(given), `the data source file ${given}`);
}

/**
 * Makes sure a DataSource can serve QSession rows: the user entity of QSession's `user`
 * relation is registered (setQSessionUserEntity), the DataSource is initialised (with schema
 * changes switched off, as the TypeORM CLI does for its own commands), and QSession is among
 * its entities. `where` names the DataSource in messages (e.g. the file it came from).
 */
export async function prepareDataSource(dataSource: DataSource, where: string): Promise<PreparedDataSource> {
  const opened = !dataSource.isInitialized;
  if (opened) {
    try {
      resolveQSessionUserEntity();
    } catch {
      throw new QSessionsCommandError(
        `${where} does not tell nest-qsessions which entity is your user: call ` +
          "setQSessionUserEntity(User) (import { setQSessionUserEntity } from 'nest-qsessions') in it before exporting " +
          'the DataSource, and list both QSession and User in its `entities`. (If it does, your app and the ' +
          'qsessions command use two different copies of nest-qsessions: run the one installed in your app, ' +
          'npx qsessions.)',
      );
    }
    // A maintenance command must never change the schema, whatever the app's own settings are.
    dataSource.setOptions({ synchronize: false, migrationsRun: false, dropSchema: false });
    try {
      await dataSource.initialize();
    } catch (error) {
      const message = (error as Error)?.message ?? String(error);
      const hint = message.includes('QSession#user')
        ? " Add your user entity (the one given to setQSessionUserEntity) to the DataSource's `entities`."
        : '';
      throw new QSessionsCommandError(`Cannot initialise the TypeORM DataSource of ${where}: ${message}${hint}`);
    }
  }
  if (!dataSource.hasMetadata(QSession)) {
    if (opened) await dataSource.destroy().catch(() => undefined);
    throw new QSessionsCommandError(
      `The DataSource of ${where} does not know the QSession entity: add QSession ` +
        "(import { QSession } from 'nest-qsessions') to its `entities`. (If it is there, your app and the " +
        'qsessions command use two different copies of nest-qsessions: run the one installed in your app, npx qsessions.)',
    );
  }
  return { dataSource, opened };
}
