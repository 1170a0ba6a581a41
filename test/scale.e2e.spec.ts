import { mkdirSync, writeFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import pg from 'pg';
import request from 'supertest';
import { seedSessions, seedUsers } from '../bench/scale/seed-sessions.js';
import { testDatabaseName } from './support/databases.js';
import { sessionCookie } from './support/http.js';
import { databases } from './support/matrix.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { expectIndexBound, explainStatement, type PlanNode } from './support/query-plans.js';

// Scale: 1,000,000 session rows of 10,000 users on PostgreSQL (half of them expired). list()
// and revokeAll() stay on the (user_id, expire_date) index; clearExpired() deletes 500,000 rows
// in bounded batches — many short transactions, row locks only, app memory flat — while another
// client keeps writing sessions without ever waiting for a lock. The query plans and figures go
// to test-output/scale-report.txt. Checks are on structure (plans, batches, lock modes,
// transactions, bytes), never on wall-clock time.

const SESSIONS = 1_000_000;
const USERS = 10_000;
const EXPIRED = 500_000;
const BATCH = 1000;
/** How often the live heap and RSS are sampled during clearExpired(). */
const SAMPLE_MS = 1000;
const USER_INDEX = 'qsessions_session_user_expire_idx';
// Live heap (measured after a full GC) may grow by this much while 500,000 rows are deleted:
// one batch at a time needs a few MB; the whole result set at once would need well over 100 MB.
const HEAP_GROWTH_LIMIT = 32 * 1024 * 1024;

// The heap right after a full collection is what the process really holds; heapUsed without it
// mostly measures garbage the collector has not got round to yet.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;
function liveHeap(): number {
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

const report: string[] = [];

(databases.includes('postgres') ? describe : describe.skip)('1,000,000 sessions of 10,000 users on PostgreSQL', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      name: 'db/postgres/express',
      database: 'postgres',
      engine: 'db',
      cache: null,
      adapter: 'express',
    });
    const started = Date.now();
    await seedUsers(t.dataSource, 'test_users', USERS);
    await seedSessions(t.dataSource, { sessions: SESSIONS, users: USERS, expired: EXPIRED });
    report.push(`Seeded ${SESSIONS} sessions of ${USERS} users (${EXPIRED} expired) in ${Date.now() - started} ms.`);
  }, 600_000);

  /**
   * Work a test started and may not have finished (it timed out on a loaded machine): stopped
   * and waited for before the app closes, so that nothing runs on against a closed connection
   * after the file is done.
   */
  const unfinished: Array<{ stop(): void; done: Promise<unknown> }> = [];

  afterAll(async () => {
    for (const work of unfinished) work.stop();
    await Promise.allSettled(unfinished.map((work) => work.done));
    await t?.close();
    mkdirSync('test-output', { recursive: true });
    writeFileSync('test-output/scale-report.txt', `${report.join('\n\n')}\n`);
  });

  /** EXPLAIN ANALYZE of the statement the library ran (same SQL, same parameters). */
  function explain(statement: { query: string; parameters: unknown[] }, title: string | null): Promise<PlanNode[]> {
    return explainStatement(t.dataSource, statement, title, report);
  }

  it("lists one user's live sessions through the (user_id, expire_date) index", async () => {
    t.queries.reset();
    const views = await t.sessions.list(4242);
    expect(views).toHaveLength(50);
    expect(views.every((view) => view.ip !== null && view.expiresAt.getTime() > Date.now())).toBe(true);
    const [listing] = t.queries.statements.filter((statement) => /^\s*SELECT/i.test(statement.query));
    expectIndexBound(await explain(listing!, 'list(user) — SELECT of one user among 1,000,000 rows'), USER_INDEX, 100);
  });

  it("revokes all of a user's sessions through the same index, deleting by primary key", async () => {
    t.queries.reset();
    expect(await t.sessions.revokeAll(777)).toBe(50);
    const [lookup] = t.queries.statements.filter((statement) => /^\s*SELECT/i.test(statement.query));
    expectIndexBound(await explain(lookup!, 'revokeAll(user) — its SELECT of the live keys'), USER_INDEX, 100);
    const [removal] = t.queries.statements.filter((statement) => /^\s*DELETE/i.test(statement.query));
    const nodes = await explain(removal!, null);
    expect(nodes.filter((node) => node['Node Type'] === 'Seq Scan')).toEqual([]);
    // TypeORM names the primary key constraint PK_<hash>.
    expect(nodes.some((node) => /^PK_/.test(node['Index Name'] ?? ''))).toBe(true);
  });

  it('clears 500,000 expired rows in bounded batches: short transactions, row locks only, flat memory', async () => {
    const monitor = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: testDatabaseName });
    await monitor.connect();
    const lockModes = new Set<string>();
    const transactions = new Set<string>();
    let waiting = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const { rows } = await monitor.query<{ pid: number; xact_start: Date | null; mode: string; granted: boolean }>(
          `SELECT l.pid, a.xact_start, l.mode, l.granted
             FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'relation' AND l.relation = 'qsessions_session'::regclass
              AND l.pid <> pg_backend_pid()`,
        );
        for (const row of rows) {
          lockModes.add(row.mode);
          if (!row.granted) waiting++;
          if (row.mode === 'RowExclusiveLock' && row.xact_start) {
            transactions.add(`${row.pid}@${row.xact_start.toISOString()}`);
          }
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();

    // Another client keeps creating and changing sessions while the expired ones go.
    let writes = 0;
    const writer = (async () => {
      const agent = request(t.app.getHttpServer());
      while (sampling) {
        const created = await agent.post('/set').send({ n: writes });
        expect(created.status).toBe(200);
        const key = sessionCookie(created.headers)!.value;
        const changed = await agent
          .post('/set')
          .set('Cookie', `sessionid=${key}`)
          .send({ n: writes + 1 });
        expect(changed.status).toBe(200);
        writes += 2;
      }
    })();

    t.queries.keepParameters = false;
    t.queries.reset();
    const heapBefore = liveHeap();
    let heapPeak = heapBefore;
    let rssPeak = process.memoryUsage().rss;
    // Each sample is a full GC: in a Jest process that has loaded every suite before this one, one
    // takes long enough that sampling every 100 ms left the event loop to the collector (the
    // deletion crawled at a few hundred rows a second). A whole result set held at once would
    // still be seen: it lives for the seconds its batch loop runs.
    const memory = setInterval(() => {
      heapPeak = Math.max(heapPeak, liveHeap());
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    }, SAMPLE_MS);
    const started = Date.now();
    const clearing = t.sessions.clearExpired();
    unfinished.push({
      stop: () => (sampling = false),
      done: Promise.allSettled([clearing, sampler, writer]),
    });
    let cleared: number;
    try {
      cleared = await clearing;
    } finally {
      clearInterval(memory);
      sampling = false;
      await Promise.allSettled([sampler, writer]);
      await monitor.end();
      t.queries.keepParameters = true;
    }
    await writer;
    const elapsed = Date.now() - started;

    expect(cleared).toBe(EXPIRED);
    // Flat memory: never the whole result set at once.
    expect(heapPeak - heapBefore).toBeLessThan(HEAP_GROWTH_LIMIT);
    const deletes = t.queries.writes.filter((query) => /^\s*DELETE/i.test(query) && !/INSERT|UPDATE/i.test(query));
    const selects = t.queries.reads.filter((query) => /\bLIMIT\b/i.test(query));
    // Bounded batches: each SELECT takes at most BATCH keys and each DELETE names at most that many.
    expect(selects.length).toBeGreaterThanOrEqual(EXPIRED / BATCH);
    for (const query of selects) expect(Number(/\bLIMIT (\d+)/i.exec(query)![1])).toBeLessThanOrEqual(BATCH);
    for (const query of deletes) expect((query.match(/\$\d+/g) ?? []).length).toBeLessThanOrEqual(BATCH);
    // Many short transactions (one per statement), not one that holds the table for the whole run.
    expect(transactions.size).toBeGreaterThan(10);
    // Row-level locks only: nothing that blocks other writers, and no one ever waited. (Table
    // locks only: the brief extension lock a concurrent insert takes to add a page is another
    // lock type, ExclusiveLock on the same relation, and is not the deletion's doing.)
    expect([...lockModes].filter((mode) => !['AccessShareLock', 'RowExclusiveLock'].includes(mode))).toEqual([]);
    expect(waiting).toBe(0);
    expect(writes).toBeGreaterThan(0);

    const [{ live, expired }] = await t.dataSource.query(
      `SELECT count(*) FILTER (WHERE expire_date > $1)::int AS live,
              count(*) FILTER (WHERE expire_date <= $1)::int AS expired
         FROM qsessions_session WHERE session_data LIKE '{"userId":%'`,
      [new Date()],
    );
    expect({ live, expired }).toEqual({ live: SESSIONS - EXPIRED - 50, expired: 0 });

    report.push(
      [
        `clearExpired(): ${cleared} rows in ${elapsed} ms (${Math.round((cleared / elapsed) * 1000)} rows/s)`,
        `  ${selects.length} batch SELECTs, ${deletes.length} DELETEs, ${transactions.size} distinct write transactions seen`,
        `  lock modes on qsessions_session: ${[...lockModes].sort().join(', ')}; lock waits seen: ${waiting}`,
        `  live heap (after full GC, sampled every ${SAMPLE_MS} ms): ${mb(heapBefore)} before, ${mb(heapPeak)} peak (+${mb(heapPeak - heapBefore)}); peak RSS ${mb(rssPeak)}`,
        `  concurrent session writes completed meanwhile: ${writes}`,
      ].join('\n'),
    );
    // A guard against a hung run, far above the time it takes on a loaded 2-core machine.
  }, 1_200_000);
});

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
