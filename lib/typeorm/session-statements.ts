import type { DataSource, EntityMetadata } from 'typeorm';
import { SessionReadBatch } from '../session/session-read-batch.js';
import type { SessionRecord } from '../session/session-record.js';
import { NO_SESSION_TELEMETRY, type SessionTelemetry } from '../session/session-telemetry.js';
import { bindArguments, type CompiledStatement } from './compiled-statement.js';
import { PostgresPreparedStatements, type StatementResult } from './postgres-prepared-statements.js';
import { QSession } from './qsession.entity.js';
import { FIELDS, PROPERTY, SessionStatementTexts, type Field } from './session-statement-texts.js';

type ColumnMetadata = NonNullable<ReturnType<EntityMetadata['findColumnWithPropertyName']>>;

/** A raw row as the driver returns it, keyed by record field (the statements' column aliases). */
type RawRow = Record<string, unknown>;

/**
 * Digests per batched read (see SessionReadBatch). On PostgreSQL a batch is one prepared
 * statement whatever its size (`= ANY($1)`); elsewhere each size is its own `IN (...)` text, so a
 * low bound also keeps the number of distinct statements small.
 */
const READ_BATCH = 64;

/**
 * The per-request statements of the session store: texts written once by TypeORM's query builder
 * (SessionStatementTexts), run on a connection of a TypeORM query runner through its public
 * `query()` (on PostgreSQL as prepared statements, see PostgresPreparedStatements). Values go
 * through the driver's own `preparePersistentValue` / `prepareHydratedValue`, so dates and ids
 * are stored and read exactly as TypeORM's repository would.
 */
export class SessionStatements {
  private readonly columns: Record<Field, ColumnMetadata>;
  private readonly texts: SessionStatementTexts;
  private readonly reads: SessionReadBatch<RawRow>;
  /** On PostgreSQL, the per-request statements are prepared once per connection. */
  private readonly prepared: PostgresPreparedStatements | null;

  constructor(
    private readonly dataSource: DataSource,
    /** Where a session presented past its end is reported (metrics). */
    telemetry: SessionTelemetry = NO_SESSION_TELEMETRY,
  ) {
    const metadata = dataSource.getMetadata(QSession);
    this.columns = Object.fromEntries(
      FIELDS.map((field) => {
        const column = metadata.findColumnWithPropertyName(PROPERTY[field]);
        if (!column) throw new Error(`nest-qsessions: the QSession entity has no ${PROPERTY[field]} column.`);
        return [field, column];
      }),
    ) as Record<Field, ColumnMetadata>;
    this.texts = new SessionStatementTexts(dataSource);
    this.prepared = dataSource.options.type === 'postgres' ? new PostgresPreparedStatements(dataSource) : null;
    this.reads = new SessionReadBatch<RawRow>(
      { readMany: (digests) => this.readMany(digests), build: (digest, row) => this.hydrate(digest, row) },
      READ_BATCH,
      () => telemetry.sessionExpired(),
    );
  }

  /**
   * The live session with this digest (expiring after `now`), or null. Reads asked for in the
   * same turn of the event loop share one statement (SessionReadBatch).
   */
  get(digest: string, now: Date): Promise<SessionRecord | null> {
    return this.reads.read(digest, now);
  }

  /**
   * The rows of these distinct digests, keyed by digest: one statement. Expired rows too: the
   * batch drops them, and counts each as a session presented past its end.
   */
  private async readMany(digests: string[]): Promise<Map<string, RawRow>> {
    const rows = new Map<string, RawRow>();
    if (digests.length === 1) {
      // The common case when the app is not busy: the single-row statement, as before batching.
      const digest = digests[0]!;
      const { records } = await this.run(this.texts.selectRow, [this.persistent('digest', digest)]);
      if (records[0]) rows.set(digest, records[0] as RawRow);
      return rows;
    }
    const keys = digests.map((digest) => this.persistent('digest', digest));
    const { records } = this.texts.selectRowsOfArray
      ? await this.run(this.texts.selectRowsOfArray, [keys])
      : await this.run(this.texts.selectRowsOfList(keys.length), keys);
    for (const row of records as RawRow[]) rows.set(this.hydrated('digest', row) as string, row);
    return rows;
  }

  /** The live sessions of one user, most recently active first (one index range scan). */
  async listOfUser(userId: SessionRecord['userId'], now: Date): Promise<SessionRecord[]> {
    const { records } = await this.run(this.texts.selectLiveOfUser, this.ofUser(userId, now));
    return (records as RawRow[]).map((row) => this.hydrate(this.hydrated('digest', row) as string, row));
  }

  /** The digests of one user's live sessions. */
  async liveDigestsOfUser(userId: SessionRecord['userId'], now: Date): Promise<string[]> {
    const { records } = await this.run(this.texts.selectLiveDigestsOfUser, this.ofUser(userId, now));
    return (records as RawRow[]).map((row) => this.hydrated('digest', row) as string);
  }

  private ofUser(userId: SessionRecord['userId'], now: Date): unknown[] {
    return [this.persistent('userId', userId), this.persistent('expireDate', now)];
  }

  /** Inserts the row; the driver's unique-violation error passes through. */
  async insert(record: SessionRecord): Promise<void> {
    await this.runBound(this.texts.insertRow, this.recordParameters(this.texts.insertRow, record));
  }

  /** Updates every column but created_at; resolves to whether a row was there to update. */
  async update(record: SessionRecord): Promise<boolean> {
    const { updateRow } = this.texts;
    const { affected } = await this.runBound(updateRow, this.recordParameters(updateRow, record));
    return (affected ?? 0) > 0;
  }

  /** Sets the label of the live row `digest` if `userId` owns it; resolves to whether one changed. */
  async relabelOfUser(
    userId: SessionRecord['userId'],
    digest: string,
    label: string | null,
    now: Date,
  ): Promise<boolean> {
    const { affected } = await this.run(this.texts.relabelLiveOfUser, [
      this.persistent('label', label),
      this.persistent('digest', digest),
      this.persistent('userId', userId),
      this.persistent('expireDate', now),
    ]);
    return (affected ?? 0) > 0;
  }

  /** Deletes rows by digest (the caller keeps lists short); resolves to how many went. */
  async delete(digests: readonly string[]): Promise<number> {
    const keys = digests.map((digest) => this.persistent('digest', digest));
    const { affected } = this.texts.deleteOfArray
      ? await this.run(this.texts.deleteOfArray, [keys])
      : await this.run(this.texts.deleteOfList(keys.length), keys);
    return affected ?? 0;
  }

  /** Deletes the live row `digest` if `userId` owns it; resolves to whether one went. */
  async deleteOfUser(userId: SessionRecord['userId'], digest: string, now: Date): Promise<boolean> {
    const { affected } = await this.run(this.texts.deleteLiveOfUser, [
      this.persistent('digest', digest),
      this.persistent('userId', userId),
      this.persistent('expireDate', now),
    ]);
    return (affected ?? 0) > 0;
  }

  /**
   * The parameters of a statement whose arguments are the record's FIELDS, as the driver stores
   * them: only the fields it uses are converted (the update leaves created_at out).
   */
  private recordParameters(statement: CompiledStatement, record: SessionRecord): unknown[] {
    return statement.slots.map((slot) => {
      const field = FIELDS[slot]!;
      return this.persistent(field, record[field]);
    });
  }

  private persistent(field: Field, value: unknown): unknown {
    return this.dataSource.driver.preparePersistentValue(value, this.columns[field]);
  }

  private hydrated(field: Field, row: RawRow): unknown {
    const value = row[field];
    return value === null || value === undefined
      ? null
      : this.dataSource.driver.prepareHydratedValue(value, this.columns[field]);
  }

  private hydrate(digest: string, row: RawRow): SessionRecord {
    return {
      digest,
      data: this.hydrated('data', row) as string,
      expireDate: this.hydrated('expireDate', row) as Date,
      userId: this.hydrated('userId', row) as SessionRecord['userId'],
      userAgent: this.hydrated('userAgent', row) as string | null,
      ip: this.hydrated('ip', row) as string | null,
      createdAt: this.hydrated('createdAt', row) as Date,
      updatedAt: this.hydrated('updatedAt', row) as Date,
      reauthenticatedAt: this.hydrated('reauthenticatedAt', row) as Date | null,
      label: this.hydrated('label', row) as string | null,
      clientHints: this.hydrated('clientHints', row) as string | null,
    };
  }

  /**
   * One statement on a pooled connection, with the driver-neutral result (records, affected). On
   * PostgreSQL every text is one of a fixed few (lists are array parameters), so all are prepared.
   */
  private run(statement: CompiledStatement, args: unknown[]): Promise<StatementResult> {
    return this.runBound(statement, bindArguments(statement, args));
  }

  /** As `run`, with the parameters already in placeholder order. */
  private async runBound(statement: CompiledStatement, parameters: unknown[]): Promise<StatementResult> {
    const runner = this.dataSource.createQueryRunner();
    try {
      if (this.prepared?.active) return await this.prepared.run(runner, statement.sql, parameters);
      return await runner.query(statement.sql, parameters, true);
    } finally {
      await runner.release();
    }
  }
}
