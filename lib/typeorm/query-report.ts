import type { DataSource, QueryRunner } from 'typeorm';

/** What a subscriber's `beforeQuery` gets, as TypeORM 0.3 and 1.x both describe it. */
interface QueryEventOf {
  dataSource: DataSource;
  connection: DataSource;
  queryRunner: QueryRunner;
  manager: QueryRunner['manager'];
  query: string;
  parameters: unknown[];
}

/** The subscriber hooks told about a query (`EntitySubscriberInterface`), as either line types them. */
interface QuerySubscriber {
  beforeQuery?(event: QueryEventOf): unknown;
  afterQuery?(
    event: QueryEventOf & { success: boolean; executionTime?: number; rawResults?: unknown; error?: unknown },
  ): unknown;
}

/**
 * Tells the DataSource's logger and subscribers about a query that runs on the driver's
 * connection directly (a prepared statement), as TypeORM's query runner does for its own
 * `query()`: `logQuery`, then `beforeQuery`; after it `afterQuery`, with `logQuerySlow` past
 * `maxQueryExecutionTime` or `logQueryError`. Only the public parts are used: the DataSource's
 * `logger`, `subscribers` and `options`, and the documented logger and subscriber interfaces, so
 * that apps see no difference and no minor release of TypeORM can break it unseen.
 */
export class QueryReport {
  private readonly pending: Array<Promise<unknown>> = [];
  private started = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly runner: QueryRunner,
    private readonly sql: string,
    private readonly parameters: unknown[],
  ) {}

  /** Before the query runs: logged, then subscribers told (and awaited, as TypeORM does). */
  async before(): Promise<void> {
    this.dataSource.logger.logQuery(this.sql, this.parameters, this.runner);
    const before: Array<Promise<unknown>> = [];
    for (const subscriber of this.subscribers()) {
      const result = subscriber.beforeQuery?.(this.event());
      if (result instanceof Promise) before.push(result);
    }
    if (before.length > 0) await Promise.all(before);
    this.started = Date.now();
  }

  /** The query succeeded with the driver's raw result. */
  succeeded(rawResults: unknown): void {
    const executionTime = Date.now() - this.started;
    this.after({ success: true, executionTime, rawResults });
    const slowAfter = this.dataSource.options.maxQueryExecutionTime;
    if (slowAfter && executionTime > slowAfter) {
      this.dataSource.logger.logQuerySlow(executionTime, this.sql, this.parameters, this.runner);
    }
  }

  /** The query failed with the driver's error. */
  failed(error: unknown): void {
    this.dataSource.logger.logQueryError(error as Error, this.sql, this.parameters, this.runner);
    this.after({ success: false, error });
  }

  /** Waits for what `afterQuery` subscribers handed back. */
  async settled(): Promise<void> {
    if (this.pending.length > 0) await Promise.all(this.pending);
  }

  private after(outcome: { success: boolean; executionTime?: number; rawResults?: unknown; error?: unknown }): void {
    for (const subscriber of this.subscribers()) {
      const result = subscriber.afterQuery?.({ ...this.event(), ...outcome });
      if (result instanceof Promise) this.pending.push(result);
    }
  }

  private subscribers(): QuerySubscriber[] {
    return this.dataSource.subscribers as QuerySubscriber[];
  }

  private event(): QueryEventOf {
    const { dataSource, runner } = this;
    // `connection` is the name TypeORM 0.3 gives the DataSource in events; 1.x gives both.
    return {
      dataSource,
      connection: dataSource,
      queryRunner: runner,
      manager: runner.manager,
      query: this.sql,
      parameters: this.parameters,
    };
  }
}
