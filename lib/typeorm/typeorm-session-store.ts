import { LessThan, QueryFailedError, type DataSource, type Repository } from 'typeorm';
import type { SessionRecord, UserId } from '../session/session-record.js';
import { DuplicateSessionError, type SessionStore } from '../session/session-store.js';
import type { SessionTelemetry } from '../session/session-telemetry.js';
import type { EndedSession } from '../session/session-history.js';
import { QSession } from './qsession.entity.js';
import { SessionStatements } from './session-statements.js';

// Keeps `IN (...)` lists well under every driver's parameter limit.
const DELETE_CHUNK = 500;

/** The `db` engine: sessions in the app's own database, through its TypeORM DataSource. */
export class TypeOrmSessionStore implements SessionStore {
  private readonly repository: Repository<QSession>;
  // The per-request statements, compiled once (see SessionStatements for why).
  private readonly statements: SessionStatements;

  constructor(
    dataSource: DataSource,
    private readonly now: () => number = Date.now,
    /** Where a session presented past its end is reported (the app's metrics). */
    telemetry?: SessionTelemetry,
  ) {
    this.repository = dataSource.getRepository(QSession);
    this.statements = new SessionStatements(dataSource, telemetry);
  }

  get(digest: string): Promise<SessionRecord | null> {
    return this.statements.get(digest, new Date(this.now()));
  }

  async create(record: SessionRecord): Promise<void> {
    try {
      await this.statements.insert(record);
    } catch (error) {
      if (isUniqueViolation(error)) throw new DuplicateSessionError();
      throw explainForeignKeyError(error, record);
    }
  }

  async update(record: SessionRecord): Promise<boolean> {
    try {
      return await this.statements.update(record);
    } catch (error) {
      throw explainForeignKeyError(error, record);
    }
  }

  async delete(digests: readonly string[]): Promise<number> {
    let deleted = 0;
    for (let start = 0; start < digests.length; start += DELETE_CHUNK) {
      const chunk = digests.slice(start, start + DELETE_CHUNK);
      deleted += await this.statements.delete(chunk);
    }
    return deleted;
  }

  deleteOfUser(userId: UserId, digest: string): Promise<boolean> {
    return this.statements.deleteOfUser(userId, digest, new Date(this.now()));
  }

  relabelOfUser(userId: UserId, digest: string, label: string | null): Promise<boolean> {
    return this.statements.relabelOfUser(userId, digest, label, new Date(this.now()));
  }

  listByUser(userId: UserId): Promise<SessionRecord[]> {
    return this.statements.listOfUser(userId, new Date(this.now()));
  }

  liveDigestsOfUser(userId: UserId): Promise<string[]> {
    return this.statements.liveDigestsOfUser(userId, new Date(this.now()));
  }

  /** The table is the only copy: nothing to re-check. */
  async recheckUserSessions(): Promise<void> {}

  async deleteExpiredBatch(limit: number): Promise<EndedSession[]> {
    const rows = await this.repository.find({
      select: { sessionKey: true, userId: true, ip: true, userAgent: true, clientHints: true },
      where: { expireDate: LessThan(new Date(this.now())) },
      take: limit,
    });
    await this.delete(rows.map((row) => row.sessionKey));
    return rows.map((row) => ({
      digest: row.sessionKey,
      userId: row.userId,
      ip: row.ip,
      userAgent: row.userAgent,
      clientHints: row.clientHints,
    }));
  }
}

interface DriverError {
  code?: string;
  errno?: number;
}

function driverErrorOf(error: unknown): DriverError | undefined {
  return error instanceof QueryFailedError ? (error.driverError as DriverError) : undefined;
}

/** PostgreSQL 23505, MySQL/MariaDB ER_DUP_ENTRY, SQLite primary-key or unique constraint. */
function isUniqueViolation(error: unknown): boolean {
  const driverError = driverErrorOf(error);
  if (!driverError) return false;
  return (
    driverError.code === '23505' ||
    driverError.code === 'ER_DUP_ENTRY' ||
    driverError.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    driverError.code === 'SQLITE_CONSTRAINT_UNIQUE'
  );
}

/** PostgreSQL 23503, MySQL/MariaDB ER_NO_REFERENCED_ROW_2, SQLite foreign-key constraint. */
function isForeignKeyViolation(error: unknown): boolean {
  const driverError = driverErrorOf(error);
  if (!driverError) return false;
  return (
    driverError.code === '23503' ||
    driverError.code === 'ER_NO_REFERENCED_ROW_2' ||
    driverError.code === 'SQLITE_CONSTRAINT_FOREIGNKEY'
  );
}

/** Turns a foreign-key violation into an error that names the cause; other errors pass through. */
function explainForeignKeyError(error: unknown, record: SessionRecord): unknown {
  if (!isForeignKeyViolation(error)) return error;
  return new Error(
    `nest-qsessions: the session's user id ${JSON.stringify(record.userId)} does not match any row of ` +
      'your user entity. Store the primary key of an existing user in the session (`userId`, or ' +
      "passport's `passport.user`), or configure `userIdFromSession`.",
    // Not the raw QueryFailedError: its parameters hold the session data, which must not be logged.
    { cause: { code: driverErrorOf(error)?.code } },
  );
}
