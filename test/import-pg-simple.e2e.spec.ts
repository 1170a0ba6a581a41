import { randomUUID } from 'node:crypto';
import connectPgSimple from 'connect-pg-simple';
import session from 'express-session';
import pg from 'pg';
import { ensureDatabase, testDatabaseName } from './support/databases.js';
import { describeImportScenario, type LegacyStoreKit } from './support/import-scenario.js';
import { databases } from './support/matrix.js';

// Switching from express-session + connect-pg-simple to nest-qsessions: see describeImportScenario
// for the whole path, run here with connect-pg-simple as the old store (on this worker's
// PostgreSQL test database), importing into each database of the run.

const FAR_FUTURE = new Date('2999-01-01T00:00:00Z');

const pgSimpleKit: LegacyStoreKit = {
  from: 'connect-pg-simple',
  async open(context) {
    await ensureDatabase('postgres');
    const pool = new pg.Pool({ host: '127.0.0.1', port: 5432, user: 'postgres', database: testDatabaseName });
    // connect-pg-simple's table.sql, under a table name of this test's own (its createTableIfMissing
    // keeps fixed index names, which two tables in one database cannot share).
    const table = `legacy_session_${randomUUID().replaceAll('-', '')}`;
    await pool.query(
      `CREATE TABLE "${table}" (sid varchar NOT NULL PRIMARY KEY, sess json NOT NULL, expire timestamp(6) NOT NULL)`,
    );
    const PgStore = connectPgSimple(session);
    const url = `postgres://postgres@127.0.0.1:5432/${testDatabaseName}`;
    // On PostgreSQL the app's own database holds the table: --source-url is left out (the default).
    const sameDatabase = context.variant.database === 'postgres';
    return {
      store: new PgStore({ pool, tableName: table, pruneSessionInterval: false }),
      args: [...(sameDatabase ? [] : ['--source-url', url]), '--table', table],
      options: { ...(sameDatabase ? {} : { sourceUrl: url }), table },
      async put(sid, payload, expiresAt) {
        // `sess` is a json column: text that is not JSON is stored as a JSON string (still not a session).
        const json = isJson(payload) ? payload : JSON.stringify(payload);
        await pool.query(`INSERT INTO "${table}" (sid, sess, expire) VALUES ($1, $2, to_timestamp($3))`, [
          sid,
          json,
          (expiresAt ?? FAR_FUTURE).getTime() / 1000,
        ]);
      },
      async close() {
        await pool.query(`DROP TABLE IF EXISTS "${table}"`);
        await pool.end();
      },
    };
  },
};

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

// The store is PostgreSQL itself: these run when the run uses it (QSESSIONS_TEST_DBS=...,postgres).
(databases.includes('postgres') ? describe : describe.skip)('express-session + connect-pg-simple', () => {
  describeImportScenario(pgSimpleKit);
});
