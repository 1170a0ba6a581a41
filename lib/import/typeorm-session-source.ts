import type { DataSource } from 'typeorm';
import { QSessionsCommandError } from '../cli/command-error.js';
import type { LegacySession, LegacySessionSource } from './legacy-session-source.js';
import { plainSqlIdentifier } from './sql-identifier.js';

/** Where connect-typeorm keeps its sessions. */
export interface TypeormSessionSourceOptions {
  /** The DataSource holding connect-typeorm's table (usually the app's own). */
  dataSource: DataSource;
  /** The table of the app's connect-typeorm `Session` entity. Default `session`. */
  table?: string;
  /** Its schema (PostgreSQL), when not on the search path. */
  schema?: string;
  /** Whether this source initialised `dataSource` (then it also destroys it). */
  owned?: boolean;
}

/**
 * Column names of connect-typeorm's `ISession` (id, json, expiredAt, destroyedAt) under TypeORM's
 * default naming and under a snake_case naming strategy, which many apps use.
 */
const COLUMN_NAMES = {
  id: ['id'],
  json: ['json'],
  expiredAt: ['expiredAt', 'expired_at'],
  destroyedAt: ['destroyedAt', 'destroyed_at'],
} as const;

/**
 * connect-typeorm's sessions: the table of the app's `Session` entity (`id`, `json` text,
 * `expiredAt` bigint milliseconds, `destroyedAt` soft-delete time), read in primary-key order a
 * page at a time, through the DataSource's own driver (any database TypeORM supports).
 */
export async function openTypeormSessionSource(options: TypeormSessionSourceOptions): Promise<LegacySessionSource> {
  const { dataSource } = options;
  const table = plainSqlIdentifier(options.table ?? 'session', 'table');
  const path = options.schema ? `${plainSqlIdentifier(options.schema, 'schema')}.${table}` : table;
  const close = async () => {
    if (options.owned) await dataSource.destroy().catch(() => undefined);
  };
  let columns: { id: string; json: string; expiredAt: string; destroyedAt: string | undefined };
  try {
    columns = await findColumns(dataSource, path);
  } catch (error) {
    await close();
    throw error;
  }
  const escape = (name: string) => dataSource.driver.escape(name);
  const column = (name: string) => `s.${escape(name)}`;

  return {
    description: `connect-typeorm (table ${path} of the ${dataSource.options.type} data source)`,
    async *batches(batchSize: number) {
      let after: string | undefined;
      for (;;) {
        const query = dataSource
          .createQueryBuilder()
          .select(column(columns.id), 'sid')
          .addSelect(column(columns.json), 'json')
          .addSelect(column(columns.expiredAt), 'expiredAt')
          .from(path, 's')
          // When the table's entity is known to this DataSource, TypeORM would hide soft-deleted rows:
          // they are read, and reported as ended.
          .withDeleted()
          .orderBy(column(columns.id), 'ASC')
          .limit(batchSize);
        if (columns.destroyedAt) query.addSelect(column(columns.destroyedAt), 'destroyedAt');
        if (after !== undefined) query.where(`${column(columns.id)} > :after`, { after });
        const rows = await query.getRawMany<Record<string, unknown>>();
        if (rows.length === 0) return;
        after = String(rows[rows.length - 1]!.sid);
        yield rows.map((row): LegacySession => ({
          sid: String(row.sid),
          payload: row.json,
          // bigint milliseconds: a string from PostgreSQL and MySQL, a number from SQLite.
          storeExpiry: row.expiredAt === null ? null : new Date(Number(row.expiredAt)),
          ended: row.destroyedAt !== undefined && row.destroyedAt !== null,
        }));
        if (rows.length < batchSize) return;
      }
    },
    close,
  };
}

/** The table's actual column names (checked up front, so that a wrong table fails with a clear message). */
async function findColumns(dataSource: DataSource, path: string) {
  const runner = dataSource.createQueryRunner();
  let names: string[];
  try {
    const table = await runner.getTable(path);
    if (!table) {
      throw new QSessionsCommandError(
        `The ${dataSource.options.type} data source has no table ${JSON.stringify(path)}. Give the table of your ` +
          'connect-typeorm Session entity with --table (and --schema if it is not on the search path).',
      );
    }
    names = table.columns.map((column) => column.name);
  } finally {
    await runner.release();
  }
  const pick = (candidates: readonly string[]) => candidates.find((name) => names.includes(name));
  const id = pick(COLUMN_NAMES.id);
  const json = pick(COLUMN_NAMES.json);
  const expiredAt = pick(COLUMN_NAMES.expiredAt);
  if (!id || !json || !expiredAt) {
    throw new QSessionsCommandError(
      `The table ${JSON.stringify(path)} is not a connect-typeorm session table: it needs the columns id, json and ` +
        `expiredAt (or expired_at), and has ${names.join(', ')}.`,
    );
  }
  return { id, json, expiredAt, destroyedAt: pick(COLUMN_NAMES.destroyedAt) };
}
