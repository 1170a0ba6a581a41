import type { Logger as TypeOrmLogger } from 'typeorm';

export interface CapturedQuery {
  sql: string;
  parameters: unknown[];
}

/**
 * A TypeORM logger that records the queries run while it is armed: how the benchmark learns
 * the exact SQL that SessionService.list() sends, to EXPLAIN it.
 */
export class QueryCapture implements TypeOrmLogger {
  private captured: CapturedQuery[] | undefined;

  /** Runs `work` and returns the queries it ran. */
  async during(work: () => Promise<unknown>): Promise<CapturedQuery[]> {
    this.captured = [];
    try {
      await work();
      return this.captured;
    } finally {
      this.captured = undefined;
    }
  }

  logQuery(query: string, parameters?: unknown[]): void {
    this.captured?.push({ sql: query, parameters: parameters ?? [] });
  }

  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}
