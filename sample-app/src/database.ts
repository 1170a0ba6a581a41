import type { TypeOrmModuleOptions } from '@nestjs/typeorm';
import type { DataSourceOptions } from 'typeorm';
import { redactUrl, type SampleConfig, type SampleDatabase } from './config.js';
import { User } from './users/user.entity.js';

/**
 * TypeORM settings of the sample app. `synchronize` creates the tables from the entities (the
 * app's `users` and the library's `qsessions_session`): fine for a demo; a production app uses
 * migrations instead.
 */
export function typeOrmOptions(config: SampleConfig): TypeOrmModuleOptions {
  const database = config.database;
  const connection: DataSourceOptions =
    database.kind === 'sqlite'
      ? { type: 'better-sqlite3', database: database.path }
      : { type: database.kind, url: database.url };
  return {
    ...connection,
    entities: [User],
    autoLoadEntities: true,
    synchronize: true,
    dropSchema: config.reset,
    // Fail at once with the driver's message instead of retrying for half a minute.
    retryAttempts: 0,
  };
}

/**
 * Creates the PostgreSQL or MariaDB database named in the URL when it is missing, so that
 * `SAMPLE_DB=postgres npm run sample` works on a fresh server. SQLite creates its file itself.
 */
export async function ensureDatabaseExists(database: SampleDatabase): Promise<void> {
  if (database.kind === 'sqlite') return;
  const url = new URL(database.url);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_]+$/.test(name)) {
    throw new Error(
      `sample app: the database name in ${redactUrl(database.url)} must be letters, digits and _ (got ${JSON.stringify(name)}).`,
    );
  }
  const connection = {
    host: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    user: decodeURIComponent(url.username) || undefined,
    password: decodeURIComponent(url.password),
  };
  try {
    if (database.kind === 'postgres') {
      const { default: pg } = await import('pg');
      const client = new pg.Client({ ...connection, database: 'postgres' });
      await client.connect();
      try {
        const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
        if (found.rowCount === 0) await client.query(`CREATE DATABASE "${name}"`);
      } finally {
        await client.end();
      }
    } else {
      const mysql = await import('mysql2/promise');
      const client = await mysql.createConnection(connection);
      try {
        await client.query(`CREATE DATABASE IF NOT EXISTS \`${name}\``);
      } finally {
        await client.end();
      }
    }
  } catch (error) {
    throw new Error(
      `sample app: cannot reach or create the database at ${redactUrl(database.url)}: ${(error as Error).message}`,
      { cause: error },
    );
  }
}
