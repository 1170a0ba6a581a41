import type { DataSource } from 'typeorm';
import { QSessionsCommandError } from '../cli/command-error.js';
import { redactSecrets, redactUrlPassword } from '../cli/redact.js';
import type { LegacySession, LegacySessionSource } from './legacy-session-source.js';
import { urlPassword } from './url-password.js';

/** Where connect-pg-simple keeps its sessions. */
export interface PgSimpleSessionSourceOptions {
  /** The PostgreSQL URL of its database; without it, `dataSource` is used (it must be PostgreSQL). */
  url?: string;
  /** The app's DataSource, used when no `url` is given (the common case: one database). */
  dataSource?: DataSource;
  /** connect-pg-simple's `tableName`. Default `session`. */
  table?: string;
  /** connect-pg-simple's `schemaName`. Default: the connection's search path. */
  schema?: string;
}

type Query = (sql: string, parameters: unknown[]) => Promise<Array<Record<string, unknown>>>;

/**
 * connect-pg-simple's sessions: a table (`sid`, `sess` json, `expire` timestamp) read in primary-key
 * order, a page at a time (keyset pagination: no OFFSET, and rows deleted meanwhile shift nothing).
 */
export async function openPgSimpleSessionSource(options: PgSimpleSessionSourceOptions): Promise<LegacySessionSource> {
  const table = quoteIdentifier(options.table ?? 'session');
  const qualified = options.schema ? `${quoteIdentifier(options.schema)}.${table}` : table;
  const { query, where, close } = await openConnection(options);

  try {
    const [found] = await query('SELECT to_regclass($1) IS NOT NULL AS found', [qualified]);
    if (!found?.found) {
      throw new QSessionsCommandError(
        `There is no table ${qualified} in ${where}. Give connect-pg-simple's table with --table (its ` +
          '`tableName`, default session) and --schema (its `schemaName`), or its database with --source-url.',
      );
    }
  } catch (error) {
    await close();
    if (error instanceof QSessionsCommandError) throw error;
    throw new QSessionsCommandError(`Cannot read the connect-pg-simple sessions in ${where}: ${messageOf(error)}`);
  }

  // `expire` is a timestamp without time zone that connect-pg-simple writes through to_timestamp(),
  // i.e. in the server's time zone: cast back the same way, in SQL, and read epoch milliseconds.
  const select =
    `SELECT sid, sess::text AS sess, (EXTRACT(EPOCH FROM expire::timestamptz) * 1000)::float8 AS expire_ms ` +
    `FROM ${qualified} WHERE sid > $1 ORDER BY sid LIMIT $2`;

  return {
    description: `connect-pg-simple (table ${qualified} in ${where})`,
    async *batches(batchSize: number) {
      let after = '';
      for (;;) {
        const rows = await query(select, [after, batchSize]);
        if (rows.length === 0) return;
        after = String(rows[rows.length - 1]!.sid);
        yield rows.map((row): LegacySession => ({
          sid: String(row.sid),
          payload: row.sess,
          storeExpiry: row.expire_ms === null ? null : new Date(Number(row.expire_ms)),
          ended: false,
        }));
        if (rows.length < batchSize) return;
      }
    },
    close,
  };
}

/** A query function on the given URL (a client of the `pg` package) or on the app's DataSource. */
async function openConnection(
  options: PgSimpleSessionSourceOptions,
): Promise<{ query: Query; where: string; close: () => Promise<void> }> {
  if (options.url === undefined) {
    const dataSource = options.dataSource;
    if (!dataSource || dataSource.options.type !== 'postgres') {
      throw new QSessionsCommandError(
        'connect-pg-simple keeps its sessions in PostgreSQL, and the data source given is not PostgreSQL: give the ' +
          'database of the express-session app with --source-url postgres://user@host:5432/database.',
        2,
      );
    }
    return {
      query: (sql, parameters) => dataSource.query(sql, parameters),
      where: 'the database of the data source',
      close: async () => {},
    };
  }

  const where = `PostgreSQL at ${redactUrlPassword(options.url)}`;
  let Client: typeof import('pg').Client;
  try {
    ({ Client } = (await import('pg')).default);
  } catch {
    throw new QSessionsCommandError(
      'Reading connect-pg-simple sessions from --source-url needs the `pg` package (which connect-pg-simple uses): npm install pg.',
    );
  }
  const client = new Client({ connectionString: options.url, connectionTimeoutMillis: 10_000 });
  // An error after connecting (server gone) is reported by the query that fails, not as a crash.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw new QSessionsCommandError(
      `Cannot connect to ${where}: ${redactSecrets(messageOf(error), [urlPassword(options.url)])}`,
    );
  }
  return {
    query: async (sql, parameters) => (await client.query(sql, parameters)).rows as Array<Record<string, unknown>>,
    where,
    close: () => client.end().catch(() => undefined),
  };
}

/** A PostgreSQL identifier, quoted as connect-pg-simple quotes its table and schema names. */
function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function messageOf(error: unknown): string {
  return (error as Error)?.message ?? String(error);
}
