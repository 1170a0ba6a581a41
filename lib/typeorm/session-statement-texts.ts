import type { DataSource, SelectQueryBuilder } from 'typeorm';
import { argument, compileStatement, type CompiledStatement } from './compiled-statement.js';
import { QSession } from './qsession.entity.js';

/** The record fields, in the order the insert and update statements take them as arguments. */
export const FIELDS = [
  'digest',
  'data',
  'expireDate',
  'userId',
  'userAgent',
  'ip',
  'createdAt',
  'updatedAt',
  'reauthenticatedAt',
  'label',
  'clientHints',
] as const;
/** One field of a session record. */
export type Field = (typeof FIELDS)[number];

/** Entity property of each record field. */
export const PROPERTY = {
  digest: 'sessionKey',
  data: 'sessionData',
  expireDate: 'expireDate',
  userId: 'userId',
  userAgent: 'userAgent',
  ip: 'ip',
  createdAt: 'createdAt',
  updatedAt: 'updatedAt',
  reauthenticatedAt: 'reauthenticatedAt',
  label: 'label',
  clientHints: 'clientHints',
} as const satisfies Record<Field, keyof QSession>;

// The table's alias in the SELECT statements.
const ALIAS = 'session';

/** `session.sessionKey`: a property path, which the query builder turns into the quoted column. */
const path = (field: Field) => `${ALIAS}.${PROPERTY[field]}`;

/** The record fields as `() => ':field'`: a value the query builder writes as that named parameter. */
const ASSIGNED = Object.fromEntries(FIELDS.map((field) => [PROPERTY[field], () => `:${field}`])) as Record<
  (typeof PROPERTY)[Field],
  () => string
>;

/** The record fields as named parameters, each the argument of its index in FIELDS. */
const FIELD_ARGUMENTS = Object.fromEntries(FIELDS.map((field, index) => [field, argument(index)]));

/**
 * The texts of the session store's per-request statements, written by TypeORM's own query
 * builder (its quoting, table path and placeholders for the DataSource's driver) once, when the
 * store is created: building them per request cost several times the round trip itself
 * (docs/performance.md). Each statement's arguments are listed on it.
 *
 * The SELECTs name every column after its record field (`AS "digest"`), so rows read back the
 * same on every driver. Only statements every database runs alike are written (no LIMIT,
 * RETURNING or upsert); on PostgreSQL a list of digests is one array parameter (`= ANY($1)`),
 * so one text serves every length and can be prepared.
 */
export class SessionStatementTexts {
  /**
   * The row of one digest, expired or not: the reader drops an expired one, after counting it
   * (a session presented past its end). By primary key, so the filter would save no work.
   * Arguments: digest.
   */
  readonly selectRow: CompiledStatement;
  /** PostgreSQL: the rows of an array of digests, expired or not. Arguments: digests (an array). */
  readonly selectRowsOfArray: CompiledStatement | null;
  /** One user's live rows, most recently active first. Arguments: userId, now. */
  readonly selectLiveOfUser: CompiledStatement;
  /** The digests of one user's live rows. Arguments: userId, now. */
  readonly selectLiveDigestsOfUser: CompiledStatement;
  /** Arguments: the record's FIELDS. */
  readonly insertRow: CompiledStatement;
  /** Every column but created_at and label, by digest. Arguments: the record's FIELDS. */
  readonly updateRow: CompiledStatement;
  /** The live row `digest` if `userId` owns it. Arguments: digest, userId, now. */
  readonly deleteLiveOfUser: CompiledStatement;
  /** The label of the live row `digest` if `userId` owns it. Arguments: label, digest, userId, now. */
  readonly relabelLiveOfUser: CompiledStatement;
  /** PostgreSQL: the rows of an array of digests. Arguments: digests (an array). */
  readonly deleteOfArray: CompiledStatement | null;
  private readonly selectRowsOfLists = new Map<number, CompiledStatement>();
  private readonly deleteOfLists = new Map<number, CompiledStatement>();

  constructor(private readonly dataSource: DataSource) {
    const arrays = dataSource.options.type === 'postgres';
    const live = `${path('expireDate')} > :now`;
    this.selectRow = compileStatement(
      this.select(FIELDS)
        .where(`${path('digest')} = :digest`)
        .setParameters({ digest: argument(0) }),
    );
    this.selectRowsOfArray = arrays
      ? compileStatement(
          this.select(FIELDS)
            .where(`${path('digest')} = ANY(:digests)`)
            .setParameters({ digests: argument(0) }),
        )
      : null;
    const ofUser = (fields: readonly Field[]) =>
      this.select(fields)
        .where(`${path('userId')} = :userId`)
        .andWhere(live)
        .setParameters({ userId: argument(0), now: argument(1) });
    this.selectLiveOfUser = compileStatement(ofUser(FIELDS).orderBy(path('updatedAt'), 'DESC'));
    this.selectLiveDigestsOfUser = compileStatement(ofUser(['digest']));
    this.insertRow = this.insert();
    this.updateRow = this.update();
    this.deleteLiveOfUser = compileStatement(
      this.delete()
        .where(`${PROPERTY.digest} = :digest`)
        .andWhere(`${PROPERTY.userId} = :userId`)
        .andWhere(`${PROPERTY.expireDate} > :now`)
        .setParameters({ digest: argument(0), userId: argument(1), now: argument(2) }),
    );
    this.relabelLiveOfUser = compileStatement(
      this.dataSource
        .createQueryBuilder()
        .update(QSession)
        .set({ label: () => ':label' })
        .where(`${PROPERTY.digest} = :digest`)
        .andWhere(`${PROPERTY.userId} = :userId`)
        .andWhere(`${PROPERTY.expireDate} > :now`)
        .setParameters({ label: argument(0), digest: argument(1), userId: argument(2), now: argument(3) })
        .updateEntity(false),
    );
    this.deleteOfArray = arrays
      ? compileStatement(
          this.delete()
            .where(`${PROPERTY.digest} = ANY(:digests)`)
            .setParameters({ digests: argument(0) }),
        )
      : null;
  }

  /** Not PostgreSQL: the rows of `count` digests, expired or not. Arguments: the digests. */
  selectRowsOfList(count: number): CompiledStatement {
    let statement = this.selectRowsOfLists.get(count);
    if (statement === undefined) {
      statement = compileStatement(
        this.select(FIELDS)
          .where(`${path('digest')} IN (:...digests)`)
          .setParameters({ digests: listArguments(count, 0) }),
      );
      this.selectRowsOfLists.set(count, statement);
    }
    return statement;
  }

  /** Not PostgreSQL: the rows of `count` digests. Arguments: the digests. */
  deleteOfList(count: number): CompiledStatement {
    let statement = this.deleteOfLists.get(count);
    if (statement === undefined) {
      statement = compileStatement(
        this.delete()
          .where(`${PROPERTY.digest} IN (:...digests)`)
          .setParameters({ digests: listArguments(count, 0) }),
      );
      this.deleteOfLists.set(count, statement);
    }
    return statement;
  }

  /** A SELECT of `fields`, each named after its field. */
  private select(fields: readonly Field[]): SelectQueryBuilder<QSession> {
    const builder = this.dataSource.createQueryBuilder(QSession, ALIAS).select([]);
    for (const field of fields) builder.addSelect(path(field), field);
    return builder;
  }

  private insert(): CompiledStatement {
    return compileStatement(
      this.dataSource
        .createQueryBuilder()
        .insert()
        .into(QSession)
        .values({ ...ASSIGNED })
        .setParameters(FIELD_ARGUMENTS)
        .updateEntity(false),
    );
  }

  private update(): CompiledStatement {
    // created_at is written once, on insert; the digest is the key; the label only by a rename
    // (a request's copy of the row may predate one, and must not undo it).
    const { sessionKey: _key, createdAt: _created, label: _label, ...changed } = ASSIGNED;
    return compileStatement(
      this.dataSource
        .createQueryBuilder()
        .update(QSession)
        .set(changed)
        .where(`${PROPERTY.digest} = :digest`)
        .setParameters(FIELD_ARGUMENTS)
        .updateEntity(false),
    );
  }

  /** UPDATE and DELETE take no table alias on every database: their conditions name bare properties. */
  private delete() {
    return this.dataSource.createQueryBuilder().delete().from(QSession);
  }
}

/** `count` arguments from index `first`: the values of a `:...list` parameter. */
function listArguments(count: number, first: number): string[] {
  return Array.from({ length: count }, (_, index) => argument(first + index));
}
