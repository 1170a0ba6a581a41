// The package's subpath entry points, imported as an app would (their types must resolve under
// this app's module resolution, and they load at run time: the migration is listed in the
// DataSource, clearExpired() is a route).
import { clearExpiredSessions, QSessionsCommandError } from 'nest-qsessions/cli';
import { createQSessionsMigration } from 'nest-qsessions/migrations';
import type { DataSource } from 'typeorm';

export const CreateQSessionsTable1719000000000 = createQSessionsMigration({
  timestamp: 1719000000000,
  userTable: 'consumer_user',
});

export async function clearExpired(dataSource: DataSource) {
  try {
    return { deleted: await clearExpiredSessions({ dataSource }) };
  } catch (error) {
    if (error instanceof QSessionsCommandError) return { error: error.message };
    throw error;
  }
}
