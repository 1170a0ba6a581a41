import type { DataSource, QueryRunner } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata.js';
import { SessionReadBatch } from '../session/session-read-batch.js';
import type { SessionRecord } from '../session/session-record.js';
import { PostgresPreparedStatements, type StatementResult } from './postgres-prepared-statements.js';
import { QSession } from './qsession.entity.js';
import { quotedTablePath } from './quoted-table-path.js';

/** The record fields, in the order the statements below list their columns. */
const FIELDS = ['digest', 'data', 'expireDate', 'userId', 'userAgent', 'ip', 'createdAt', 'updatedAt'] as const;
type Field = (typeof FIELDS)[number];

/** Entity property of each record field. */
const PROPERTY: Record<Field, keyof QSession> = {
  digest: 'sessionKey',
  data: 'sessionData',
  expireDate: 'expireDate',
  userId: 'userId',
  userAgent: 'userAgent',
  ip: 'ip',
  createdAt: 'createdAt',
  updatedAt: 'updatedAt',
};

/** A raw row as the driver returns it, keyed by column name. */
type RawRow = Record<string, unknown>;

/**
 * Digests per batched read (see SessionReadBatch). On PostgreSQL a batch is one prepared
 * statement whatever its size (`= ANY($1)`); elsewhere each size is its own `IN (...)` text, so a
 * low bound also keeps the number of distinct statements small.
 */
const READ_BATCH = 64;

/**
 * The per-request statements of the session store, written once per DataSource from the entity
 * metadata (table path, column names, the driver's quoting and placeholders) and run on a
 * connection of TypeORM's query runner (on PostgreSQL as prepared statements, see
 * PostgresPreparedStatements). Building the same SQL with a QueryBuilder on every request cost several
 * times the round trip itself (docs/performance.md), and a session read is on the path of every
 * request. Values still go through the driver's own
 * `preparePersistentValue` / `prepareHydratedValue`, so dates and ids are stored and read exactly
 * as TypeORM's repository would.
 *
 * Only portable SQL is written here (no LIMIT, RETURNING or upsert); the rarer operations
 * (expiry sweeps) stay on the repository API.
 */
export class SessionStatements {
  private readonly columns: Record<Field, ColumnMetadata>;
  private readonly selectLive: string;
  /** PostgreSQL: the live rows of an array of digests, with their digest. */
  private readonly selectLiveOfArray: string | null;
  private readonly selectLiveOfList = new Map<number, string>();
  private readonly reads: SessionReadBatch<RawRow>;
  private readonly selectLiveOfUser: string;
  private readonly selectLiveDigestsOfUser: string;
  private readonly insertRow: string;
  private readonly updateRow: string;
  private readonly updateFields: Field[];
  private readonly deleteByKeys = new Map<number, string>();
  private readonly deleteLiveOfUser: string;
  private readonly table: string;
  /** On PostgreSQL, the per-request statements are prepared once per connection. */
  private readonly prepared: PostgresPreparedStatements | null;

  constructor(private readonly dataSource: DataSource) {
    this.prepared = dataSource.driver.options.type === 'postgres' ? new PostgresPreparedStatements(dataSource) : null;
    const metadata = dataSource.getMetadata(QSession);
    const driver = dataSource.driver;
    this.columns = Object.fromEntries(
      FIELDS.map((field) => {
        const column = metadata.findColumnWithPropertyName(PROPERTY[field]);
        if (!column) throw new Error(`nest-qsessions: the QSession entity has no ${PROPERTY[field]} column.`);
        return [field, column];
      }),
    ) as Record<Field, ColumnMetadata>;
    this.table = quotedTablePath(driver, metadata.tablePath);
    const name = (field: Field) => driver.escape(this.columns[field].databaseName);
    const parameter = (index: number) => driver.createParameter(`p${index}`, index);

    const stored = FIELDS.filter((field) => field !== 'digest');
    this.selectLive =
      `SELECT ${stored.map(name).join(', ')} FROM ${this.table} ` +
      `WHERE ${name('digest')} = ${parameter(0)} AND ${name('expireDate')} > ${parameter(1)}`;
    // The digest first: a batched read maps its rows back to the requests by it.
    this.selectLiveOfArray = this.prepared
      ? `SELECT ${FIELDS.map(name).join(', ')} FROM ${this.table} ` +
        `WHERE ${name('digest')} = ANY(${parameter(0)}) AND ${name('expireDate')} > ${parameter(1)}`
      : null;
    this.reads = new SessionReadBatch<RawRow>(
      { readMany: (digests, now) => this.readMany(digests, now), build: (digest, row) => this.hydrate(digest, row) },
      READ_BATCH,
    );
    const ofUser = `WHERE ${name('userId')} = ${parameter(0)} AND ${name('expireDate')} > ${parameter(1)}`;
    this.selectLiveOfUser = `SELECT ${FIELDS.map(name).join(', ')} FROM ${this.table} ${ofUser} ORDER BY ${name('updatedAt')} DESC`;
    this.selectLiveDigestsOfUser = `SELECT ${name('digest')} FROM ${this.table} ${ofUser}`;
    this.insertRow =
      `INSERT INTO ${this.table} (${FIELDS.map(name).join(', ')}) ` +
      `VALUES (${FIELDS.map((_, index) => parameter(index)).join(', ')})`;
    // created_at is written once, on insert.
    const changed = stored.filter((field) => field !== 'createdAt');
    this.updateRow =
      `UPDATE ${this.table} SET ${changed.map((field, index) => `${name(field)} = ${parameter(index)}`).join(', ')} ` +
      `WHERE ${name('digest')} = ${parameter(changed.length)}`;
    this.updateFields = [...changed, 'digest'];
    // Owner-scoped: the affected-row count answers whether the id was that user's live session.
    this.deleteLiveOfUser =
      `DELETE FROM ${this.table} WHERE ${name('digest')} = ${parameter(0)} ` +
      `AND ${name('userId')} = ${parameter(1)} AND ${name('expireDate')} > ${parameter(2)}`;
  }

  /**
   * The live session with this digest (expiring after `now`), or null. Reads asked for in the
   * same turn of the event loop share one statement (SessionReadBatch).
   */
  get(digest: string, now: Date): Promise<SessionRecord | null> {
    return this.reads.read(digest, now);
  }

  /** The live rows of these distinct digests, keyed by digest: one statement. */
  private async readMany(digests: string[], now: Date): Promise<Map<string, RawRow>> {
    const expiresAfter = this.persistent('expireDate', now);
    const rows = new Map<string, RawRow>();
    if (digests.length === 1) {
      // The common case when the app is not busy: the single-row statement, as before batching.
      const { records } = await this.run(this.selectLive, [digests[0], expiresAfter], true);
      if (records[0]) rows.set(digests[0]!, records[0] as RawRow);
      return rows;
    }
    const keys = digests.map((digest) => this.persistent('digest', digest));
    const { records } = this.selectLiveOfArray
      ? await this.run(this.selectLiveOfArray, [keys, expiresAfter], true)
      : await this.run(this.selectLiveOfListSql(keys.length), [...keys, expiresAfter]);
    for (const row of records as RawRow[]) rows.set(this.hydrated('digest', row) as string, row);
    return rows;
  }

  private selectLiveOfListSql(count: number): string {
    let sql = this.selectLiveOfList.get(count);
    if (sql === undefined) {
      const driver = this.dataSource.driver;
      const name = (field: Field) => driver.escape(this.columns[field].databaseName);
      const list = this.parameterList(count);
      sql =
        `SELECT ${FIELDS.map(name).join(', ')} FROM ${this.table} ` +
        `WHERE ${name('digest')} IN (${list}) AND ${name('expireDate')} > ${driver.createParameter(`p${count}`, count)}`;
      this.selectLiveOfList.set(count, sql);
    }
    return sql;
  }

  /** The live sessions of one user, most recently active first (one index range scan). */
  async listOfUser(userId: SessionRecord['userId'], now: Date): Promise<SessionRecord[]> {
    const { records } = await this.run(this.selectLiveOfUser, this.ofUser(userId, now), true);
    return (records as RawRow[]).map((row) => this.hydrate(this.hydrated('digest', row) as string, row));
  }

  /** The digests of one user's live sessions. */
  async liveDigestsOfUser(userId: SessionRecord['userId'], now: Date): Promise<string[]> {
    const { records } = await this.run(this.selectLiveDigestsOfUser, this.ofUser(userId, now), true);
    return (records as RawRow[]).map((row) => this.hydrated('digest', row) as string);
  }

  private ofUser(userId: SessionRecord['userId'], now: Date): unknown[] {
    return [this.persistent('userId', userId), this.persistent('expireDate', now)];
  }

  /** Inserts the row; the driver's unique-violation error passes through. */
  async insert(record: SessionRecord): Promise<void> {
    await this.run(
      this.insertRow,
      FIELDS.map((field) => this.persistent(field, record[field])),
      true,
    );
  }

  /** Updates every column but created_at; resolves to whether a row was there to update. */
  async update(record: SessionRecord): Promise<boolean> {
    const { affected } = await this.run(
      this.updateRow,
      this.updateFields.map((field) => this.persistent(field, record[field])),
      true,
    );
    return (affected ?? 0) > 0;
  }

  /** Deletes rows by digest (the caller keeps lists short); resolves to how many went. */
  async delete(digests: readonly string[]): Promise<number> {
    // One digest (a sign-out, a revocation) is the common case: only that one is prepared, not
    // a statement per list length.
    const { affected } = await this.run(this.deleteSql(digests.length), [...digests], digests.length === 1);
    return affected ?? 0;
  }

  /** Deletes the live row `digest` if `userId` owns it; resolves to whether one went. */
  async deleteOfUser(userId: SessionRecord['userId'], digest: string, now: Date): Promise<boolean> {
    const { affected } = await this.run(
      this.deleteLiveOfUser,
      [this.persistent('digest', digest), this.persistent('userId', userId), this.persistent('expireDate', now)],
      true,
    );
    return (affected ?? 0) > 0;
  }

  private deleteSql(count: number): string {
    let sql = this.deleteByKeys.get(count);
    if (sql === undefined) {
      const digest = this.dataSource.driver.escape(this.columns.digest.databaseName);
      sql = `DELETE FROM ${this.table} WHERE ${digest} IN (${this.parameterList(count)})`;
      this.deleteByKeys.set(count, sql);
    }
    return sql;
  }

  /** `count` placeholders in the driver's style, from the first: `$1, $2` or `?, ?`. */
  private parameterList(count: number): string {
    const driver = this.dataSource.driver;
    return Array.from({ length: count }, (_, index) => driver.createParameter(`p${index}`, index)).join(', ');
  }

  private persistent(field: Field, value: unknown): unknown {
    return this.dataSource.driver.preparePersistentValue(value, this.columns[field]);
  }

  private hydrated(field: Field, row: RawRow): unknown {
    const value = row[this.columns[field].databaseName];
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
    };
  }

  /**
   * One statement on a pooled connection, with the driver-neutral result (records, affected);
   * `prepare`: a statement run on every request, prepared where the database allows it.
   */
  private async run(sql: string, parameters: unknown[], prepare = false): Promise<StatementResult> {
    const runner: QueryRunner = this.dataSource.createQueryRunner();
    try {
      if (prepare && this.prepared) return await this.prepared.run(runner, sql, parameters);
      return await runner.query(sql, parameters, true);
    } finally {
      await runner.release();
    }
  }
}
