import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { QSession, setQSessionUserEntity } from '../lib/index.js';
import type { SessionRecord } from '../lib/session/session-record.js';
import { TypeOrmSessionStore } from '../lib/typeorm/typeorm-session-store.js';
import { dataSourceOptions, ensureDatabase } from './support/databases.js';
import { sessionCookie } from './support/http.js';
import { databases, databaseVariants } from './support/matrix.js';
import { SessionQueryCounter } from './support/query-counter.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { TestController } from './support/test.controller.js';
import { IntUser } from './support/users.js';

// Session reads asked for in the same turn of the event loop share one statement (64 digests at
// most), on every database: what each read answers is what it would answer alone.

setQSessionUserEntity(IntUser);

function record(overrides: Partial<SessionRecord> = {}): SessionRecord {
  const now = Date.now();
  return {
    digest: randomUUID().replace(/-/g, '').padEnd(64, '0'),
    data: JSON.stringify({ views: 1, marker: randomUUID() }),
    userId: null,
    ip: '198.51.100.4',
    userAgent: 'BatchTest/1.0',
    expireDate: new Date(now + 3_600_000),
    createdAt: new Date(now - 1000),
    updatedAt: new Date(now),
    reauthenticatedAt: null,
    label: null,
    clientHints: null,
    ...overrides,
  };
}

describe.each(databases)('batched session reads on %s', (kind) => {
  let dataSource: DataSource;
  let store: TypeOrmSessionStore;
  const counter = new SessionQueryCounter();

  beforeAll(async () => {
    await ensureDatabase(kind);
    dataSource = new DataSource({
      ...dataSourceOptions(kind),
      entities: [IntUser, QSession],
      synchronize: true,
      dropSchema: true,
      logger: counter,
    });
    await dataSource.initialize();
    store = new TypeOrmSessionStore(dataSource);
  });
  afterAll(() => dataSource?.destroy());
  beforeEach(() => counter.reset());

  it('answers 70 concurrent reads with two statements, each read with its own session', async () => {
    const live = Array.from({ length: 66 }, () => record());
    const expired = [
      record({ expireDate: new Date(Date.now() - 1000) }),
      record({ expireDate: new Date(Date.now() - 5) }),
    ];
    for (const session of [...live, ...expired]) await store.create(session);
    counter.reset();

    const unknown = [record().digest, record().digest];
    const asked = [...live.map((session) => session.digest), ...expired.map((session) => session.digest), ...unknown];
    const answers = await Promise.all(asked.map((digest) => store.get(digest)));

    // 70 distinct digests: one statement of 64, one of 6.
    expect(counter.reads).toHaveLength(2);
    expect(counter.statements.map((statement) => statement.query)).toEqual([
      expect.stringMatching(kind === 'postgres' ? /"session_key" = ANY\(\$1\)/ : /session_key.? IN \(/),
      expect.stringMatching(kind === 'postgres' ? /"session_key" = ANY\(\$1\)/ : /session_key.? IN \(/),
    ]);
    live.forEach((session, index) => {
      expect(answers[index]).toEqual({
        ...session,
        expireDate: expect.any(Date),
        createdAt: expect.any(Date),
        updatedAt: expect.any(Date),
      });
      // Dates survive the round trip to the second (MariaDB's DATETIME keeps no milliseconds by default).
      expect(Math.abs(answers[index]!.expireDate.getTime() - session.expireDate.getTime())).toBeLessThan(1000);
    });
    expect(answers.slice(live.length)).toEqual([null, null, null, null]);
  });

  it('reads the same session twice in one turn with one lookup, each caller with its own record', async () => {
    const session = record();
    await store.create(session);
    counter.reset();
    const [first, second] = await Promise.all([store.get(session.digest), store.get(session.digest)]);
    expect(counter.reads).toHaveLength(1);
    // Alone in its batch: the single-row statement.
    expect(counter.reads[0]).toMatch(/session_key.? = (\$1|\?)/);
    expect(first).toEqual(second);
    expect(first).not.toBe(second);
  });

  it('sees a change made between two turns (a revocation is effective for the next read)', async () => {
    const session = record();
    await store.create(session);
    expect(await store.get(session.digest)).not.toBeNull();
    await store.delete([session.digest]);
    expect(await store.get(session.digest)).toBeNull();
  });
});

describe.each(databaseVariants())('concurrent requests through the app on $name', (variant) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(variant, { controllers: [TestController] });
  });
  afterAll(() => t?.close());

  it('gives each of 20 concurrent clients its own session', async () => {
    const clients = await Promise.all(
      Array.from({ length: 20 }, async (_, index) => {
        const response = await request(t.url).post('/set').send({ clientNumber: index }).expect(200);
        return sessionCookie(response.headers)!.value;
      }),
    );
    t.queries.reset();
    const reads = await Promise.all(
      clients.map((key) => request(t.url).get('/read_session').set('Cookie', `sessionid=${key}`).expect(200)),
    );
    expect(reads.map((response) => (response.body as { clientNumber?: number }).clientNumber)).toEqual(
      Array.from({ length: 20 }, (_, index) => index),
    );
    // However the requests fell into turns, never more than one read per request.
    expect(t.queries.reads.length).toBeGreaterThanOrEqual(1);
    expect(t.queries.reads.length).toBeLessThanOrEqual(20);
  });
});
