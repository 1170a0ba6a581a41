import { createHash } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { QueryFailedError, type DataSource, type QueryRunner } from 'typeorm';
import { QueryReport } from './query-report.js';

/** What a statement answers, driver-neutral (as TypeORM's structured query result). */
export interface StatementResult {
  records: unknown[];
  affected?: number;
}

/** The part of a node-postgres client (pg or pg-native) used here: its documented query config. */
interface PgClient {
  query(config: { name?: string; text: string; values: unknown[] }): Promise<PgResult>;
}

interface PgResult {
  rows: unknown[];
  rowCount: number | null;
}

/**
 * PostgreSQL errors meaning the server does not know the statement the client believes it
 * prepared: invalid_sql_statement_name (26000) and duplicate_prepared_statement (42P05). Both
 * come from a connection pooler between the app and PostgreSQL (PgBouncer in transaction mode
 * before 1.21) handing the client a different server connection; the statement did not run.
 */
const LOST_PREPARED_STATEMENT = new Set(['26000', '42P05']);

/**
 * Runs the session store's per-request statements on PostgreSQL as named prepared statements:
 * each pooled connection parses and plans a statement once, then only binds and executes it.
 * Through TypeORM's `query()`, every session write was parsed and planned anew by the server —
 * which shares the machine's cores with the app — and preparing made a `cached_db` write faster
 * (docs/performance.md).
 *
 * Only documented interfaces are used: the connection comes from TypeORM's public
 * `QueryRunner.connect()` (which resolves to the driver's connection: node-postgres' pooled
 * client), and the statement is node-postgres' documented query config `{ name, text, values }`.
 * What TypeORM's query runner does around a query is done through QueryReport (the logger and
 * the subscribers' `beforeQuery` / `afterQuery`), and a failure is thrown as TypeORM's
 * `QueryFailedError`, so that apps see no difference.
 *
 * Behind a pooler that does not keep prepared statements, the first such error switches this
 * off for the life of the process (one warning) and the statement runs unprepared.
 */
export class PostgresPreparedStatements {
  private readonly names = new Map<string, string>();
  private enabled = true;

  constructor(
    private readonly dataSource: DataSource,
    private readonly logger: Pick<Logger, 'warn'> = new Logger('QSessions'),
  ) {}

  /** Whether statements are still prepared (false once a pooler lost one). */
  get active(): boolean {
    return this.enabled;
  }

  /** Runs `sql` on the runner's connection as a prepared statement. */
  async run(runner: QueryRunner, sql: string, parameters: unknown[]): Promise<StatementResult> {
    const client = (await runner.connect()) as PgClient;
    const report = new QueryReport(this.dataSource, runner, sql, parameters);
    await report.before();
    try {
      const raw = await this.execute(client, sql, parameters);
      report.succeeded(raw);
      return { records: raw.rows, affected: raw.rowCount ?? undefined };
    } catch (error) {
      report.failed(error);
      throw new QueryFailedError(sql, parameters, error as Error);
    } finally {
      await report.settled();
    }
  }

  private async execute(client: PgClient, sql: string, parameters: unknown[]): Promise<PgResult> {
    if (!this.enabled) return client.query({ text: sql, values: parameters });
    try {
      return await client.query({ name: this.nameOf(sql), text: sql, values: parameters });
    } catch (error) {
      if (!LOST_PREPARED_STATEMENT.has((error as { code?: string }).code ?? '')) throw error;
      // Statements in flight when the pooler showed itself fail alike: one warning, not one each.
      if (this.enabled) {
        this.enabled = false;
        this.logger.warn(
          'PostgreSQL lost a prepared statement of the session store (a connection pooler in transaction mode?): ' +
            'session statements now run unprepared.',
        );
      }
      return client.query({ text: sql, values: parameters });
    }
  }

  /** A name that only this text ever gets, so no connection can hold another statement under it. */
  private nameOf(sql: string): string {
    let name = this.names.get(sql);
    if (name === undefined) {
      name = `qsessions_${createHash('sha256').update(sql).digest('hex').slice(0, 24)}`;
      this.names.set(sql, name);
    }
    return name;
  }
}
