import { createHash } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { QueryFailedError, type DataSource, type QueryRunner } from 'typeorm';

/** What a statement answers, driver-neutral (as TypeORM's structured query result). */
export interface StatementResult {
  records: unknown[];
  affected?: number;
}

/** The part of a node-postgres client (pg or pg-native) used here. */
interface PgClient {
  query(config: { name: string; text: string; values: unknown[] }): Promise<PgResult>;
  query(text: string, values: unknown[]): Promise<PgResult>;
}

interface PgResult {
  rows: unknown[];
  rowCount: number | null;
}

/**
 * PostgreSQL errors meaning the server does not know the statement the client believes it
 * prepared: invalid_sql_statement_name (26000) and duplicate_prepared_statement (42P05). Both
 * come from a connection pooler between the app and PostgreSQL (PgBouncer in transaction mode)
 * handing the client a different server connection; the statement did not run.
 */
const LOST_PREPARED_STATEMENT = new Set(['26000', '42P05']);

/**
 * Runs the session store's per-request statements on PostgreSQL as named prepared statements:
 * each pooled connection parses and plans a statement once, then only binds and executes it.
 * Through TypeORM's `query()`, every session write was parsed and planned anew by the server —
 * which shares the machine's cores with the app — and measured side by side, preparing made a
 * `cached_db` write faster (docs/performance.md).
 *
 * What TypeORM's query runner does around a query is done here too, so that apps see no
 * difference: the DataSource's logger gets `logQuery` (and `logQuerySlow` past
 * `maxQueryExecutionTime`, `logQueryError` on failure), subscribers get `beforeQuery` and
 * `afterQuery`, and a failure is thrown as TypeORM's `QueryFailedError`.
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
    const logger = this.dataSource.logger;
    logger.logQuery(sql, parameters, runner);
    await runner.broadcaster.broadcast('BeforeQuery', sql, parameters);
    // Duck-typed BroadcasterResult: afterQuery subscribers may hand back promises to wait for.
    const broadcast = { count: 0, promises: [] as Array<Promise<unknown>> };
    try {
      const started = Date.now();
      const raw = await this.execute(client, sql, parameters);
      const elapsed = Date.now() - started;
      runner.broadcaster.broadcastAfterQueryEvent(broadcast as never, sql, parameters, true, elapsed, raw, undefined);
      const slowAfter = this.dataSource.driver.options.maxQueryExecutionTime;
      if (slowAfter && elapsed > slowAfter) logger.logQuerySlow(elapsed, sql, parameters, runner);
      return { records: raw.rows, affected: raw.rowCount ?? undefined };
    } catch (error) {
      logger.logQueryError(error as Error, sql, parameters, runner);
      runner.broadcaster.broadcastAfterQueryEvent(
        broadcast as never,
        sql,
        parameters,
        false,
        undefined,
        undefined,
        error,
      );
      throw new QueryFailedError(sql, parameters, error as Error);
    } finally {
      if (broadcast.promises.length > 0) await Promise.all(broadcast.promises);
    }
  }

  private async execute(client: PgClient, sql: string, parameters: unknown[]): Promise<PgResult> {
    if (!this.enabled) return client.query(sql, parameters);
    try {
      return await client.query({ name: this.nameOf(sql), text: sql, values: parameters });
    } catch (error) {
      if (!LOST_PREPARED_STATEMENT.has((error as { code?: string }).code ?? '')) throw error;
      this.enabled = false;
      this.logger.warn(
        'PostgreSQL lost a prepared statement of the session store (a connection pooler in transaction mode?): ' +
          'session statements now run unprepared.',
      );
      return client.query(sql, parameters);
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
