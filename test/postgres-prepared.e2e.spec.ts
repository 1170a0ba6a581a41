import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import { Logger as NestLogger } from '@nestjs/common';
import { DataSource, EventSubscriber, QueryFailedError, type EntitySubscriberInterface, type Logger } from 'typeorm';
import { QSession, setQSessionUserEntity } from '../lib/index.js';
import type { SessionRecord } from '../lib/session/session-record.js';
import { DuplicateSessionError } from '../lib/session/session-store.js';
import { TypeOrmSessionStore } from '../lib/typeorm/typeorm-session-store.js';
import { dataSourceOptions, ensureDatabase } from './support/databases.js';
import { databases } from './support/matrix.js';
import { SessionQueryCounter } from './support/query-counter.js';
import { IntUser } from './support/users.js';

// On PostgreSQL the store's per-request statements run as named prepared statements on the
// pooled connection that TypeORM's query runner hands out (parsed and planned once per
// connection), with everything TypeORM's query runner does around a query kept: logging,
// subscribers, QueryFailedError.

setQSessionUserEntity(IntUser);
const describePostgres = databases.includes('postgres') ? describe : describe.skip;

const queryEvents: string[] = [];
@EventSubscriber()
class QueryWatcher implements EntitySubscriberInterface {
  beforeQuery(event: { query: string }): void {
    if (event.query.includes('qsessions_session')) queryEvents.push(`before ${event.query.split(' ')[0]}`);
  }
  afterQuery(event: { query: string; success: boolean }): void {
    if (event.query.includes('qsessions_session'))
      queryEvents.push(`after ${event.query.split(' ')[0]} ${event.success}`);
  }
}

function record(overrides: Partial<SessionRecord> = {}): SessionRecord {
  const now = Date.now();
  return {
    digest: randomUUID().replace(/-/g, '').padEnd(64, '0'),
    data: '{"views":1}',
    userId: null,
    ip: '203.0.113.7',
    userAgent: 'PreparedTest/1.0',
    expireDate: new Date(now + 3_600_000),
    createdAt: new Date(now),
    updatedAt: new Date(now),
    reauthenticatedAt: null,
    label: null,
    clientHints: null,
    ...overrides,
  };
}

describePostgres('session statements on PostgreSQL', () => {
  let dataSource: DataSource;
  let store: TypeOrmSessionStore;
  let counter: SessionQueryCounter;
  const slow: string[] = [];

  beforeAll(() => ensureDatabase('postgres'));
  beforeEach(async () => {
    counter = new SessionQueryCounter();
    const logger: Logger = Object.assign(counter, {
      logQuerySlow: (_time: number, query: string) => void slow.push(query),
    });
    dataSource = new DataSource({
      ...dataSourceOptions('postgres'),
      entities: [IntUser, QSession],
      subscribers: [QueryWatcher],
      synchronize: true,
      dropSchema: true,
      logger,
      // One pooled connection: the statements it prepared can be read back from it.
      extra: { max: 1 },
    });
    await dataSource.initialize();
    store = new TypeOrmSessionStore(dataSource);
    counter.reset();
    queryEvents.length = 0;
    slow.length = 0;
  });
  afterEach(() => dataSource?.destroy());

  const prepared = async () =>
    ((await dataSource.query('SELECT statement FROM pg_prepared_statements')) as Array<{ statement: string }>)
      .map((row) => row.statement.split(' ')[0])
      .sort();

  it('prepares each per-request statement once on the connection, and reuses it', async () => {
    const first = record();
    await store.create(first);
    expect(await store.get(first.digest)).toMatchObject({ digest: first.digest, data: '{"views":1}' });
    expect(await store.update({ ...first, data: '{"views":2}' })).toBe(true);
    expect(await store.update({ ...first, data: '{"views":3}' })).toBe(true);
    expect((await store.get(first.digest))?.data).toBe('{"views":3}');
    expect(await store.delete([first.digest])).toBe(1);
    expect(await store.get(first.digest)).toBeNull();
    expect(await store.update(record())).toBe(false);

    expect(await prepared()).toEqual(['DELETE', 'INSERT', 'SELECT', 'UPDATE']);
    // Deleting several at once is the same statement (an array parameter): nothing new to prepare.
    const [a, b] = [record(), record()];
    await store.create(a);
    await store.create(b);
    expect(await store.delete([a.digest, b.digest])).toBe(2);
    expect(await prepared()).toEqual(['DELETE', 'INSERT', 'SELECT', 'UPDATE']);
  });

  it('still reports every query to the DataSource logger and to subscribers', async () => {
    const session = record();
    await store.create(session);
    await store.get(session.digest);
    expect(counter.writes).toHaveLength(1);
    expect(counter.reads).toHaveLength(1);
    expect(counter.statements[1]!.parameters[0]).toBe(session.digest);
    expect(counter.statements[1]!.query).toMatch(
      /^SELECT .* FROM "qsessions_session" "session" WHERE "session"."session_key" = \$1/,
    );
    expect(queryEvents).toEqual(['before INSERT', 'after INSERT true', 'before SELECT', 'after SELECT true']);
  });

  it('throws TypeORM errors as before: a duplicate key is a DuplicateSessionError, a bad user id explained', async () => {
    const session = record();
    await store.create(session);
    await expect(store.create(session)).rejects.toBeInstanceOf(DuplicateSessionError);
    await expect(store.create(record({ userId: 999_999 }))).rejects.toThrow(/does not match any row/);
    expect(queryEvents.filter((event) => event.endsWith('false'))).toHaveLength(2);
    // Any other failure is TypeORM's own error type, as from its query runner.
    await dataSource.query('ALTER TABLE qsessions_session ADD CONSTRAINT short_data CHECK (length(session_data) < 20)');
    const failure = await store.update({ ...session, data: '{"views":100000000000}' }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(QueryFailedError);
    expect((failure as QueryFailedError).driverError).toMatchObject({ code: '23514' });
  });

  it('logs slow statements past maxQueryExecutionTime', async () => {
    await dataSource.destroy();
    dataSource = new DataSource({ ...dataSource.options, maxQueryExecutionTime: -1 } as typeof dataSource.options);
    await dataSource.initialize();
    store = new TypeOrmSessionStore(dataSource);
    await store.get(record().digest);
    expect(slow.some((query) => query.startsWith('SELECT'))).toBe(true);
  });

  it('runs unprepared, with one warning, once the server lost a prepared statement (a pooler)', async () => {
    const session = record();
    await store.create(session);
    await store.get(session.digest);
    // What PgBouncer in transaction mode does to a client: the next server connection does not
    // hold the statements this client prepared.
    await dataSource.query('DEALLOCATE ALL');
    const nestWarnings: string[] = [];
    const spy = jest.spyOn(NestLogger.prototype, 'warn').mockImplementation((message: unknown) => {
      nestWarnings.push(String(message));
    });
    try {
      expect(await store.get(session.digest)).toMatchObject({ digest: session.digest });
      expect(await store.update({ ...session, data: '{"views":9}' })).toBe(true);
      expect((await store.get(session.digest))?.data).toBe('{"views":9}');
      expect(await prepared()).toEqual([]);
      expect(nestWarnings).toEqual([expect.stringMatching(/lost a prepared statement/)]);
    } finally {
      spy.mockRestore();
    }
  });
});
