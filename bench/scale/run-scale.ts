import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { QSessionsModule, SessionService } from 'nest-qsessions';
import { DataSource } from 'typeorm';
import { BenchUser } from '../app/bench-user.entity.js';
import { POSTGRES, SCALE_DATABASE } from '../bench-config.js';
import { MemorySampler } from '../measure/memory-sampler.js';
import { readResidentMemory, resetPeakRss } from '../measure/proc-stats.js';
import { percentile } from '../measure/stats.js';
import { dropDatabase, recreateDatabase } from '../services/postgres.js';
import { QueryCapture } from './query-capture.js';
import type { ExplainedQuery, ScaleResult, TimingSummary } from './scale-result.js';
import { seedRevocableUsers } from './seed-revocable-users.js';
import { seedSessions, seedUsers } from './seed-sessions.js';

// Session management at scale, on PostgreSQL: `node --expose-gc bench/dist/scale/run-scale.js
// --out <file.json>` (npm run bench runs it after the HTTP rounds). Seeds 1,000,000 sessions for
// 10,000 users (half expired), times SessionService.list() and revokeAll(), explains list()'s
// query, then deletes the expired half with clearExpired() while sampling this process's memory.

const SESSIONS = 1_000_000;
const USERS = 10_000;
const EXPIRED = 500_000;
const LIST_CALLS = 2000;
const LIST_WARMUP_CALLS = 20;
const REVOKED_USERS = 50;
const SESSIONS_PER_REVOKED_USER = 100;
/** A fixed seed: every run lists the same users. */
const RANDOM_SEED = 6;

const log = (line: string): void => void process.stderr.write(`  [scale] ${line}\n`);

@Module({})
class ScaleModule {
  static create(logger: QueryCapture): DynamicModule {
    return {
      module: ScaleModule,
      imports: [
        TypeOrmModule.forRoot({
          type: 'postgres',
          host: POSTGRES.host,
          port: POSTGRES.port,
          username: POSTGRES.user,
          database: SCALE_DATABASE,
          entities: [BenchUser],
          autoLoadEntities: true,
          synchronize: true,
          retryAttempts: 0,
          logger,
        }),
        QSessionsModule.forRoot({ userEntity: BenchUser, engine: 'db', geoip: false }),
      ],
    };
  }
}

/** mulberry32: a small seeded generator, so the users picked are the same in every run. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function timeCalls(userIds: number[], call: (userId: number) => Promise<number>) {
  const timings: number[] = [];
  let items = 0;
  for (const userId of userIds) {
    const started = performance.now();
    items += await call(userId);
    timings.push(performance.now() - started);
  }
  return { ...summarize(timings), sessionsPerCall: items / timings.length };
}

function summarize(timings: number[]): TimingSummary {
  return {
    calls: timings.length,
    p50Ms: percentile(timings, 50)!,
    p99Ms: percentile(timings, 99)!,
    maxMs: Math.max(...timings),
  };
}

function fullGc(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run me with node --expose-gc: the retained heap is measured after a full GC');
  gc();
  gc();
}

async function explain(
  dataSource: DataSource,
  queries: { sql: string; parameters: unknown[] }[],
): Promise<ExplainedQuery[]> {
  const explained: ExplainedQuery[] = [];
  for (const query of queries.filter((q) => /^\s*SELECT/i.test(q.sql) && q.sql.includes('qsessions_session'))) {
    const rows = (await dataSource.query(`EXPLAIN (ANALYZE, BUFFERS) ${query.sql}`, query.parameters)) as {
      'QUERY PLAN': string;
    }[];
    explained.push({
      sql: query.sql,
      parameters: query.parameters.map((value) => (value instanceof Date ? value.toISOString() : value)),
      plan: rows.map((row) => row['QUERY PLAN']).join('\n'),
    });
  }
  return explained;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { out: { type: 'string' } } });
  fullGc(); // fail early without --expose-gc

  log(`creating ${SCALE_DATABASE}`);
  await recreateDatabase(SCALE_DATABASE);
  const capture = new QueryCapture();
  const app = await NestFactory.createApplicationContext(ScaleModule.create(capture), { logger: ['error', 'warn'] });
  try {
    const dataSource = app.get(DataSource);
    const sessions = app.get(SessionService);

    log(`seeding ${SESSIONS.toLocaleString('en-US')} sessions for ${USERS.toLocaleString('en-US')} users`);
    const seedStarted = performance.now();
    await seedUsers(dataSource, 'bench_users', USERS + REVOKED_USERS);
    await seedSessions(dataSource, { sessions: SESSIONS, users: USERS, expired: EXPIRED });
    await seedRevocableUsers(dataSource, {
      firstUser: USERS + 1,
      users: REVOKED_USERS,
      perUser: SESSIONS_PER_REVOKED_USER,
    });
    // A table of a million sessions grows over months, with autovacuum and checkpoints along the
    // way; a bulk load leaves rows without hint bits and shared_buffers full of dirty pages (the
    // plan of list()'s SELECT once showed `written=4`). VACUUM does what autovacuum would (this
    // server runs with it off) and CHECKPOINT what the next timed checkpoint would, so the table
    // is timed in its steady state. (list()'s p99 tail on these hosts stayed: its SELECT alone,
    // timed alongside, has the same one.)
    await dataSource.query('VACUUM (ANALYZE) qsessions_session');
    await dataSource.query('CHECKPOINT');
    const seedSeconds = (performance.now() - seedStarted) / 1000;

    const random = seededRandom(RANDOM_SEED);
    const randomUser = (): number => 1 + Math.floor(random() * USERS);
    log(`list(): ${LIST_WARMUP_CALLS} warm-up calls, then ${LIST_CALLS} timed`);
    for (let i = 0; i < LIST_WARMUP_CALLS; i++) await sessions.list(randomUser());
    const listQueries = await capture.during(() => sessions.list(randomUser()));
    const listSql = listQueries.find((query) => /^\s*SELECT/i.test(query.sql))?.sql;
    if (!listSql) throw new Error('list() ran no SELECT that the query capture saw');
    // Each list() call is followed by its bare SELECT for another user (cold pages alike), so
    // that the two distributions share the machine's moments.
    const listTimings: number[] = [];
    const aloneTimings: number[] = [];
    const roundTripTimings: number[] = [];
    let listed = 0;
    for (let i = 0; i < LIST_CALLS; i++) {
      let started = performance.now();
      listed += (await sessions.list(randomUser())).length;
      listTimings.push(performance.now() - started);
      const parameters = [randomUser(), new Date()];
      started = performance.now();
      await dataSource.query(listSql, parameters);
      aloneTimings.push(performance.now() - started);
      // A statement that reads nothing: the tail the round trip itself has on this host.
      started = performance.now();
      await dataSource.query('SELECT 1');
      roundTripTimings.push(performance.now() - started);
    }
    const list = { ...summarize(listTimings), sessionsPerCall: listed / LIST_CALLS };
    const listStatementAlone = summarize(aloneTimings);
    const roundTripAlone = summarize(roundTripTimings);
    const listExplain = await explain(dataSource, listQueries);

    log(`revokeAll(): ${REVOKED_USERS} users with ${SESSIONS_PER_REVOKED_USER} live sessions each`);
    const revokeAll = await timeCalls(
      Array.from({ length: REVOKED_USERS }, (_, index) => USERS + 1 + index),
      (userId) => sessions.revokeAll(userId),
    );

    log(`clearExpired(): ${EXPIRED.toLocaleString('en-US')} expired rows`);
    fullGc();
    const before = process.memoryUsage();
    const peakResettable = resetPeakRss(process.pid);
    const sampler = new MemorySampler(100);
    sampler.start();
    const clearStarted = performance.now();
    const deleted = await sessions.clearExpired();
    const clearSeconds = (performance.now() - clearStarted) / 1000;
    const samples = sampler.stop();
    const peakRssBytes = peakResettable ? readResidentMemory(process.pid).peakRssBytes : sampler.peakRssBytes();
    const rssAfterBytes = process.memoryUsage().rss;
    fullGc();
    const heapUsedAfterBytes = process.memoryUsage().heapUsed;

    const result: ScaleResult = {
      seed: {
        sessions: SESSIONS,
        users: USERS,
        expired: EXPIRED,
        revokedUsers: REVOKED_USERS,
        sessionsPerRevokedUser: SESSIONS_PER_REVOKED_USER,
        seconds: seedSeconds,
      },
      list,
      listStatementAlone,
      roundTripAlone,
      listExplain,
      revokeAll,
      clearExpired: {
        deleted,
        seconds: clearSeconds,
        rowsPerSecond: deleted / clearSeconds,
        rssBeforeBytes: before.rss,
        peakRssBytes,
        rssAfterBytes,
        heapUsedBeforeBytes: before.heapUsed,
        heapUsedAfterBytes,
        samples,
      },
    };
    log(
      `list p50 ${list.p50Ms.toFixed(2)} ms p99 ${list.p99Ms.toFixed(2)} ms (its SELECT alone: p99 ` +
        `${listStatementAlone.p99Ms.toFixed(2)} ms, SELECT 1: p99 ${roundTripAlone.p99Ms.toFixed(2)} ms); revokeAll p99 ${revokeAll.p99Ms.toFixed(2)} ms; ` +
        `clearExpired ${deleted} rows in ${clearSeconds.toFixed(1)} s`,
    );
    const json = `${JSON.stringify(result, null, 2)}\n`;
    if (values.out) writeFileSync(values.out, json);
    else process.stdout.write(json);
  } finally {
    await app.close();
    await dropDatabase(SCALE_DATABASE);
  }
}

await main().catch((error: unknown) => {
  console.error('bench scale:', error);
  process.exit(1);
});
