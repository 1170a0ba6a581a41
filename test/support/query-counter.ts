import type { Logger as TypeOrmLogger } from 'typeorm';

/** A TypeORM logger that records every query touching the sessions table. */
export class SessionQueryCounter implements TypeOrmLogger {
  readonly queries: string[] = [];

  logQuery(query: string): void {
    if (query.includes('qsessions_session')) this.queries.push(query);
  }

  reset(): void {
    this.queries.length = 0;
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
