import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DataSource, EventSubscriber, type EntitySubscriberInterface, type Repository } from 'typeorm';
import type { SessionRecord } from '../../lib/session/session-record.js';
import { DuplicateSessionError } from '../../lib/session/session-store.js';
import { QSession } from '../../lib/typeorm/qsession.entity.js';
import { TypeOrmSessionStore } from '../../lib/typeorm/typeorm-session-store.js';
import { setQSessionUserEntity } from '../../lib/typeorm/user-entity.js';
import { dataSourceOptions, ensureDatabase } from './databases.js';
import { databases, type DatabaseKind } from './matrix.js';
import { SessionQueryCounter } from './query-counter.js';
import { IntUser } from './users.js';

// The contract between the session store and TypeORM, run once per TypeORM line of the peer
// range (`typeorm` ^0.3.20 || ^1.0.0): the statements that TypeORM's query builder writes at
// start-up give, on every database, what TypeORM's own repository says is in the table. The
// spec files import this module after choosing the line, so that it and the library load it.

setQSessionUserEntity(IntUser);

const HOUR = 3_600_000;
/** A stored Client Hints text of the longest kind the column takes (512 characters). */
const HINTS = JSON.stringify({ platform: 'macOS', platformVersion: '14.2.1', model: 'x'.repeat(454) });

/** Subscriber query events on the sessions table, in order ("before SELECT", "after SELECT ok"). */
const queryEvents: string[] = [];

@EventSubscriber()
class SessionQueryWatcher implements EntitySubscriberInterface {
  beforeQuery(event: { query: string }): void {
    if (event.query.includes('qsessions_session')) queryEvents.push(`before ${verb(event.query)}`);
  }
  afterQuery(event: { query: string; success: boolean }): void {
    if (event.query.includes('qsessions_session'))
      queryEvents.push(`after ${verb(event.query)} ${event.success ? 'ok' : 'failed'}`);
  }
}

const verb = (sql: string) => sql.trimStart().split(' ')[0]!.toUpperCase();

function record(overrides: Partial<SessionRecord> = {}): SessionRecord {
  const now = Date.now();
  return {
    digest: randomBytes(32).toString('hex'),
    data: JSON.stringify({ views: 1, marker: randomBytes(4).toString('hex') }),
    userId: null,
    ip: '203.0.113.9',
    userAgent: 'ContractTest/1.0',
    expireDate: new Date(now + HOUR),
    createdAt: new Date(now - 60_000),
    updatedAt: new Date(now),
    reauthenticatedAt: null,
    label: null,
    clientHints: null,
    ...overrides,
  };
}

/** A record as it reads back: MariaDB's DATETIME keeps whole seconds unless told otherwise. */
function asStored(session: SessionRecord): Record<string, unknown> {
  const second = (date: Date) => Math.floor(date.getTime() / 1000);
  return {
    ...session,
    expireDate: second(session.expireDate),
    createdAt: second(session.createdAt),
    updatedAt: second(session.updatedAt),
    reauthenticatedAt: session.reauthenticatedAt && second(session.reauthenticatedAt),
  };
}

/** What TypeORM's repository (not the store's statements) finds for a digest. */
async function rowOf(repository: Repository<QSession>, digest: string): Promise<Record<string, unknown> | null> {
  const row = await repository.findOneBy({ sessionKey: digest });
  if (!row) return null;
  return asStored({
    digest: row.sessionKey,
    data: row.sessionData,
    userId: row.userId,
    ip: row.ip,
    userAgent: row.userAgent,
    expireDate: row.expireDate,
    reauthenticatedAt: row.reauthenticatedAt,
    label: row.label,
    clientHints: row.clientHints,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  });
}

/** A store and its DataSource on one database, with a logger and a subscriber listening. */
interface Harness {
  dataSource: DataSource;
  store: TypeOrmSessionStore;
  repository: Repository<QSession>;
  counter: SessionQueryCounter;
}

async function openHarness(kind: DatabaseKind): Promise<Harness> {
  await ensureDatabase(kind);
  const counter = new SessionQueryCounter();
  const dataSource = new DataSource({
    ...dataSourceOptions(kind),
    entities: [IntUser, QSession],
    subscribers: [SessionQueryWatcher],
    synchronize: true,
    dropSchema: true,
    logger: counter,
    // PostgreSQL: one pooled connection, so that the statements it prepared can be read back.
    ...(kind === 'postgres' ? { extra: { max: 1 } } : {}),
  });
  await dataSource.initialize();
  await dataSource.getRepository(IntUser).save([
    { id: 1, username: 'owner' },
    { id: 2, username: 'other' },
  ]);
  return {
    dataSource,
    store: new TypeOrmSessionStore(dataSource),
    repository: dataSource.getRepository(QSession),
    counter,
  };
}

/**
 * The store's contract on every database of the run, under the TypeORM line loaded as `typeorm`
 * (`version` names it in the test titles).
 */
export function describeStoreContract(version: string): void {
  describe.each(databases)(`session statements under TypeORM ${version} on %s`, (kind) => {
    const h = {} as Harness;
    beforeAll(async () => Object.assign(h, await openHarness(kind)));
    afterAll(() => h.dataSource?.destroy());
    beforeEach(() => {
      h.counter.reset();
      queryEvents.length = 0;
    });

    describeWrites(h);
    describeReads(h, kind);
    describeDeletes(h);
    describeReporting(h, kind);
  });
}

function describeWrites(h: Harness): void {
  it('inserts a row that TypeORM reads back as written, and refuses the same digest twice', async () => {
    const session = record({
      userId: 1,
      reauthenticatedAt: new Date(Date.now() - 5000),
      label: 'Work laptop',
      clientHints: HINTS,
    });
    await h.store.create(session);
    expect(await rowOf(h.repository, session.digest)).toEqual(asStored(session));
    await expect(h.store.create(record({ digest: session.digest }))).rejects.toBeInstanceOf(DuplicateSessionError);
    await expect(h.store.create(record({ userId: 999_999 }))).rejects.toThrow(/does not match any row/);
  });

  it('updates every column but created_at and label, and says whether the row was there', async () => {
    const session = record({ label: 'Phone' });
    await h.store.create(session);
    const changed: SessionRecord = {
      ...session,
      data: '{"views":2}',
      userId: 2,
      ip: '2001:db8::1',
      userAgent: null,
      expireDate: new Date(session.expireDate.getTime() + HOUR),
      createdAt: new Date(0),
      updatedAt: new Date(session.updatedAt.getTime() + 5000),
      reauthenticatedAt: new Date(session.updatedAt.getTime() + 4000),
      label: 'Stale copy',
      clientHints: HINTS,
    };
    expect(await h.store.update(changed)).toBe(true);
    expect(await rowOf(h.repository, session.digest)).toEqual(
      asStored({ ...changed, createdAt: session.createdAt, label: 'Phone' }),
    );
    expect(await h.store.update(record())).toBe(false);
  });
}

function describeReads(h: Harness, kind: DatabaseKind): void {
  it('reads a live row as TypeORM stored it; an expired or unknown digest reads as null', async () => {
    const live = record({ userId: 1, ip: null, clientHints: HINTS });
    const expired = record({ expireDate: new Date(Date.now() - 1000) });
    for (const session of [live, expired]) await h.store.create(session);
    expect(asStored((await h.store.get(live.digest))!)).toEqual(asStored(live));
    expect(await h.store.get(expired.digest)).toBeNull();
    expect(await h.store.get(record().digest)).toBeNull();
  });

  it('answers 70 reads of one turn with two statements, each read with its own row', async () => {
    const live = Array.from({ length: 66 }, (_, index) => record({ userId: index % 2 === 0 ? 1 : null }));
    const expired = record({ expireDate: new Date(Date.now() - 1000) });
    for (const session of [...live, expired]) await h.store.create(session);
    h.counter.reset();
    const asked = [...live.map((session) => session.digest), expired.digest, record().digest, live[0]!.digest];
    const answers = await Promise.all(asked.map((digest) => h.store.get(digest)));
    expect(h.counter.reads).toHaveLength(2);
    expect(h.counter.reads[0]).toMatch(kind === 'postgres' ? /= ANY\(\$1\)/ : / IN \(\?(, \?){63}\)/);
    expect(answers.map((answer) => answer && asStored(answer))).toEqual([
      ...live.map(asStored),
      null,
      null,
      asStored(live[0]!),
    ]);
  });

  it("lists a user's live sessions, most recently active first, and their digests", async () => {
    const user = (await h.dataSource.getRepository(IntUser).save({ username: 'lister' })).id;
    const now = Date.now();
    const older = record({ userId: user, updatedAt: new Date(now - 20_000) });
    const newer = record({ userId: user, updatedAt: new Date(now - 10_000) });
    const expired = record({ userId: user, expireDate: new Date(now - 1000) });
    for (const session of [older, newer, expired, record({ userId: 1 })]) await h.store.create(session);
    expect((await h.store.listByUser(user)).map(asStored)).toEqual([asStored(newer), asStored(older)]);
    expect((await h.store.liveDigestsOfUser(user)).sort()).toEqual([older.digest, newer.digest].sort());
  });
}

function describeDeletes(h: Harness): void {
  it('deletes by digest and counts the rows that went', async () => {
    const [a, b, c] = [record(), record(), record()];
    for (const session of [a, b, c]) await h.store.create(session);
    expect(await h.store.delete([a.digest])).toBe(1);
    expect(await h.store.delete([b.digest, c.digest, record().digest])).toBe(2);
    expect(await h.store.delete([a.digest])).toBe(0);
    for (const session of [a, b, c]) expect(await rowOf(h.repository, session.digest)).toBeNull();
  });

  it('deletes a live row only for its owner (owner-scoped revocation)', async () => {
    const owned = record({ userId: 1 });
    const expired = record({ userId: 1, expireDate: new Date(Date.now() - 1000) });
    for (const session of [owned, expired]) await h.store.create(session);
    expect(await h.store.deleteOfUser(2, owned.digest)).toBe(false);
    expect(await rowOf(h.repository, owned.digest)).not.toBeNull();
    expect(await h.store.deleteOfUser(1, expired.digest)).toBe(false);
    expect(await h.store.deleteOfUser(1, owned.digest)).toBe(true);
    expect(await rowOf(h.repository, owned.digest)).toBeNull();
    expect(await h.store.deleteOfUser(1, owned.digest)).toBe(false);
  });

  it('relabels a live row only for its owner, and clears a label with null', async () => {
    const owned = record({ userId: 1 });
    const expired = record({ userId: 1, expireDate: new Date(Date.now() - 1000) });
    for (const session of [owned, expired]) await h.store.create(session);
    expect(await h.store.relabelOfUser(2, owned.digest, 'Not mine')).toBe(false);
    expect(await h.store.relabelOfUser(1, expired.digest, 'Gone')).toBe(false);
    expect(await h.store.relabelOfUser(1, record().digest, 'Unknown')).toBe(false);
    expect((await rowOf(h.repository, owned.digest))?.label).toBeNull();
    expect(await h.store.relabelOfUser(1, owned.digest, 'Work laptop')).toBe(true);
    expect((await rowOf(h.repository, owned.digest))?.label).toBe('Work laptop');
    expect((await h.store.get(owned.digest))?.label).toBe('Work laptop');
    expect(await h.store.relabelOfUser(1, owned.digest, null)).toBe(true);
    expect((await rowOf(h.repository, owned.digest))?.label).toBeNull();
  });

  it('deletes expired rows in batches and leaves live ones', async () => {
    await h.repository.clear();
    const expired = Array.from({ length: 5 }, (_, index) =>
      record({ expireDate: new Date(Date.now() - 1000 * (index + 1)) }),
    );
    const live = record();
    for (const session of [...expired, live]) await h.store.create(session);
    const first = await h.store.deleteExpiredBatch(3);
    const second = await h.store.deleteExpiredBatch(3);
    expect(first).toHaveLength(3);
    expect([...first, ...second].map((ended) => ended.digest).sort()).toEqual(
      expired.map((session) => session.digest).sort(),
    );
    // What a history entry of each needs: its owner and client.
    expect(first[0]).toEqual({
      digest: first[0]!.digest,
      userId: null,
      ip: '203.0.113.9',
      userAgent: 'ContractTest/1.0',
      clientHints: null,
    });
    expect(await h.store.deleteExpiredBatch(3)).toEqual([]);
    expect(await h.repository.count()).toBe(1);
  });
}

function describeReporting(h: Harness, kind: DatabaseKind): void {
  it("tells the DataSource's logger about every statement", async () => {
    const session = record();
    await h.store.create(session);
    await h.store.get(session.digest);
    await h.store.create(session).catch(() => undefined);
    expect(h.counter.queries.map(verb)).toEqual(['INSERT', 'SELECT', 'INSERT']);
    expect(h.counter.statements[1]!.parameters).toContain(session.digest);
  });

  if (kind === 'postgres') {
    // Elsewhere the statements go through TypeORM's own `queryRunner.query()`, which tells
    // subscribers what each line and driver tells them; here they run prepared, beside it.
    it('tells subscribers before and after every statement, failed ones included, as TypeORM does', async () => {
      const session = record();
      await h.store.create(session);
      await h.store.get(session.digest);
      await h.store.create(session).catch(() => undefined);
      expect(queryEvents).toEqual([
        'before INSERT',
        'after INSERT ok',
        'before SELECT',
        'after SELECT ok',
        'before INSERT',
        'after INSERT failed',
      ]);
    });

    it("prepares the per-request statements on the pg connection of TypeORM's query runner", async () => {
      const session = record({ userId: 1 });
      await h.store.create(session);
      await Promise.all([h.store.get(session.digest), h.store.get(record().digest)]);
      await h.store.update({ ...session, data: '{"views":3}' });
      await h.store.deleteOfUser(1, session.digest);
      // The pool holds one connection (openHarness): what it prepared is what the store ran.
      const rows = (await h.dataSource.query('SELECT statement FROM pg_prepared_statements')) as Array<{
        statement: string;
      }>;
      expect(new Set(rows.map((row) => verb(row.statement)))).toEqual(
        new Set(['SELECT', 'INSERT', 'UPDATE', 'DELETE']),
      );
    });
  }
}

/** The version of the installed package `name` (read from its folder: not every line exports package.json). */
export function installedVersion(name: string): string {
  const entry = createRequire(import.meta.url).resolve(name);
  return (JSON.parse(readFileSync(join(dirname(entry), 'package.json'), 'utf8')) as { version: string }).version;
}
