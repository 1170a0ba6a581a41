import type { Logger as TypeOrmLogger } from 'typeorm';

/** A TypeORM logger that records every query touching the sessions table. */
export class SessionQueryCounter implements TypeOrmLogger {
  readonly queries: string[] = [];
  /** The same queries with their parameters (to EXPLAIN them exactly as they ran). */
  readonly statements: Array<{ query: string; parameters: unknown[] }> = [];
  /** Off while measuring memory: a million parameters kept here would be the test's own leak. */
  keepParameters = true;

  /** Queries of the sign-in history's table (kept apart: they are not session statements). */
  readonly history: string[] = [];
  /** The same with their parameters. */
  readonly historyStatements: Array<{ query: string; parameters: unknown[] }> = [];

  logQuery(query: string, parameters?: unknown[]): void {
    if (query.includes('qsessions_history')) {
      this.history.push(query);
      this.historyStatements.push({ query, parameters: parameters ?? [] });
    }
    if (!query.includes('qsessions_session')) return;
    this.queries.push(query);
    if (this.keepParameters) this.statements.push({ query, parameters: parameters ?? [] });
  }

  reset(): void {
    this.history.length = 0;
    this.historyStatements.length = 0;
    this.queries.length = 0;
    this.statements.length = 0;
  }

  /** Queries recorded since the last reset that read sessions. */
  get reads(): string[] {
    return this.queries.filter((query) => /^\s*SELECT/i.test(query));
  }

  /** Queries recorded since the last reset that change sessions. */
  get writes(): string[] {
    return this.queries.filter((query) => /^\s*(INSERT|UPDATE|DELETE)/i.test(query));
  }

  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}
