import type { DataSourceOptions } from 'typeorm';
import type { DatabaseKind } from './matrix.js';

const worker = process.env.JEST_WORKER_ID ?? '0';
// Optional: separates test runs started at the same time on one machine (each Jest run numbers
// its workers from 1), e.g. QSESSIONS_TEST_DB_SUFFIX=a. Letters, digits and _ only.
const suffix = (process.env.QSESSIONS_TEST_DB_SUFFIX ?? '').replace(/[^a-z0-9_]/gi, '').toLowerCase();
/** One database per Jest worker, so that parallel test files never share tables. */
export const testDatabaseName = `qsessions_test_w${worker}${suffix ? `_${suffix}` : ''}`;

/**
 * The port the apps under test reach PostgreSQL on: 5432, or PgBouncer's (QSESSIONS_TEST_PG_PORT=6432,
 * the `.ci/run` stage that runs suites through it). Databases are created on PostgreSQL itself.
 */
export const postgresPort = Number(process.env.QSESSIONS_TEST_PG_PORT ?? 5432);

const ensured = new Set<DatabaseKind>();

/** Creates this worker's database on the server if it is missing. */
export async function ensureDatabase(kind: DatabaseKind): Promise<void> {
  if (kind === 'sqlite' || ensured.has(kind)) return;
  if (kind === 'postgres') {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres' });
    await client.connect();
    try {
      const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [testDatabaseName]);
      if (found.rowCount === 0) await client.query(`CREATE DATABASE ${testDatabaseName}`);
    } finally {
      await client.end();
    }
  } else {
    const mysql = await import('mysql2/promise');
    const connection = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', password: '' });
    try {
      await connection.query(`CREATE DATABASE IF NOT EXISTS ${testDatabaseName}`);
    } finally {
      await connection.end();
    }
  }
  ensured.add(kind);
}

/** TypeORM connection options for a test database (the schema is rebuilt from the entities). */
export function dataSourceOptions(kind: DatabaseKind): DataSourceOptions {
  switch (kind) {
    case 'sqlite':
      return { type: 'better-sqlite3', database: ':memory:' };
    case 'postgres':
      return {
        type: 'postgres',
        host: '127.0.0.1',
        port: postgresPort,
        username: 'postgres',
        database: testDatabaseName,
      };
    case 'mariadb':
      return {
        type: 'mariadb',
        host: '127.0.0.1',
        port: 3306,
        username: 'root',
        password: '',
        database: testDatabaseName,
      };
  }
}
