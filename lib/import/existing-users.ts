import type { DataSource, ObjectLiteral, Repository } from 'typeorm';
import type { UserId } from '../session/session-record.js';
import { QSessionsCommandError } from '../cli/command-error.js';
import { resolveQSessionUserEntity } from '../typeorm/user-entity.js';

// Keeps `IN (...)` lists well under every driver's parameter limit.
const CHUNK = 500;
const NUMERIC_TYPES = new Set(['int', 'int2', 'int4', 'int8', 'integer', 'bigint', 'smallint', 'mediumint', 'tinyint']);
const INTEGER = /^-?\d{1,18}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Looks users up in the app's user table (the entity given to setQSessionUserEntity), a chunk of
 * ids at a time. Sessions are checked before they are inserted, rather than left to the foreign
 * key, so that a session of a deleted user is reported, not a failed insert.
 */
export class ExistingUsers {
  private readonly repository: Repository<ObjectLiteral>;
  private readonly property: string;
  private readonly numeric: boolean;
  private readonly uuid: boolean;

  constructor(dataSource: DataSource) {
    const entity = resolveQSessionUserEntity();
    const metadata = dataSource.getMetadata(entity);
    if (metadata.primaryColumns.length !== 1) {
      throw new QSessionsCommandError(
        `The user entity ${metadata.name} has ${metadata.primaryColumns.length} primary key columns; sessions can ` +
          'only belong to users with a single-column primary key.',
      );
    }
    const primary = metadata.primaryColumns[0]!;
    this.repository = dataSource.getRepository(entity);
    this.property = primary.propertyPath;
    this.numeric = primary.type === Number || NUMERIC_TYPES.has(String(primary.type));
    this.uuid = primary.type === 'uuid' || primary.generationStrategy === 'uuid';
  }

  /** The form in which {@link find} reports an id (uuids compare case-insensitively). */
  key(id: UserId): string {
    return this.uuid ? String(id).toLowerCase() : String(id);
  }

  /**
   * The keys of those `ids` that are users. An id that cannot be a key of the column (text for an
   * integer or uuid key) is never sent to the database, where it would be a type error: it is
   * simply not found.
   */
  async find(ids: readonly UserId[]): Promise<Set<string>> {
    const candidates = [...new Set(ids.map((id) => this.key(id)))].filter(
      (id) => (!this.numeric || INTEGER.test(id)) && (!this.uuid || UUID.test(id)),
    );
    const found = new Set<string>();
    for (let start = 0; start < candidates.length; start += CHUNK) {
      const rows = await this.repository
        .createQueryBuilder('u')
        .select(`u.${this.property}`, 'id')
        .where(`u.${this.property} IN (:...ids)`, { ids: candidates.slice(start, start + CHUNK) })
        .getRawMany<{ id: unknown }>();
      for (const row of rows) found.add(this.key(String(row.id)));
    }
    return found;
  }
}
