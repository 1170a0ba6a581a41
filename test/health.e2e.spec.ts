import { jest } from '@jest/globals';
import { TerminusModule } from '@nestjs/terminus';
import request from 'supertest';
import type { ChosenCache } from '../lib/cache/create-cache.js';
import type { KeyValueSessionCache } from '../lib/cache/key-value-session-cache.js';
import { QSessionsHealthIndicator, type QSessionsHealthDetails } from '../lib/health/index.js';
import { QSession } from '../lib/index.js';
import { QSESSIONS_CACHE, QSESSIONS_SESSION_CACHE } from '../lib/qsessions.constants.js';
import { HealthController } from './support/health.controller.js';
import { sessionCookie } from './support/http.js';
import { databases, variants, type Variant } from './support/matrix.js';
import { PrivateRedis } from './support/redis-server.js';
import { sleep } from './support/sleep.js';
import { startTestApp, type TestApp, type TestAppOptions } from './support/test-app.js';
import { TestController } from './support/test.controller.js';

// The @nestjs/terminus health indicator (nest-qsessions/health) in a real app with TerminusModule
// and a health controller, over HTTP: the database and the cache reported apart, 503 when the
// database is gone, the cache degraded (not down) when Redis is, unless the cache is required;
// and a health check never creates a session, writes nothing and sets no cookie.

/** A terminus response body: `details` has every indicator, `error` the ones that are down. */
interface HealthBody {
  status: 'ok' | 'error';
  details: { sessions: QSessionsHealthDetails & { status: string } };
  error?: { sessions?: QSessionsHealthDetails & { status: string } };
}

function startHealthApp(variant: Variant, options: TestAppOptions = {}): Promise<TestApp> {
  return startTestApp(variant, {
    ...options,
    controllers: [TestController, HealthController],
    providers: [QSessionsHealthIndicator],
    imports: [TerminusModule.forRoot({ logger: false })],
  });
}

/** GETs `path` until `accept` takes the answer (the cache's first check may still be running). */
async function healthUntil(
  t: TestApp,
  path: string,
  accept: (status: number, body: HealthBody) => boolean,
  timeoutMs = 10_000,
): Promise<{ status: number; body: HealthBody }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await request(t.url).get(path);
    if (accept(response.status, response.body)) return { status: response.status, body: response.body };
    if (Date.now() > deadline) {
      throw new Error(`${path} never answered as expected; last: ${response.status} ${JSON.stringify(response.body)}`);
    }
    await sleep(100);
  }
}

const allUp = (status: number, body: HealthBody) =>
  status === 200 && (body.details.sessions.cache?.status ?? 'up') === 'up';

/** Watches the session cache's adapters: `stop()` gives the writes they received and the keys they read. */
function watchCache(t: TestApp): () => { writes: string[]; reads: string[] } {
  const sessionCache = t.app.get<KeyValueSessionCache | null>(QSESSIONS_SESSION_CACHE);
  const chosen = t.app.get<ChosenCache | null>(QSESSIONS_CACHE);
  const adapters = [...new Set([sessionCache?.entries, chosen?.entries])].filter((entries) => entries !== undefined);
  const writers = adapters.flatMap((entries) =>
    (['setMany', 'setThenGet', 'deleteMany', 'writeAndDelete'] as const).map((method) => jest.spyOn(entries, method)),
  );
  const readers = adapters.map((entries) => jest.spyOn(entries, 'getMany'));
  return () => {
    const writes = writers.flatMap((spy) => spy.mock.calls.map((call) => JSON.stringify(call)));
    const reads = readers.flatMap((spy) => spy.mock.calls.flatMap(([keys]) => [...keys]));
    for (const spy of [...writers, ...readers]) spy.mockRestore();
    return { writes, reads };
  };
}

describe.each(variants())('health indicator on $name', (variant) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startHealthApp(variant);
  });
  afterAll(() => t?.close());

  it('reports the database and the cache apart, with 200 while both work', async () => {
    const { body } = await healthUntil(t, '/health', allUp);
    expect(body.status).toBe('ok');
    const sessions = body.details.sessions;
    expect(sessions).toMatchObject({ status: 'up', engine: variant.engine });
    expect(sessions.database).toEqual({ status: 'up', latencyMs: expect.any(Number) });
    expect(sessions.message).toBeUndefined();
    if (variant.engine === 'db') {
      expect(sessions.cache).toBeUndefined();
      return;
    }
    expect(sessions.cache).toEqual({
      status: 'up',
      kind: variant.cache,
      shared: variant.cache === 'redis',
      nearCache: expect.any(Boolean),
      breaker: { state: 'closed' },
      trusted: true,
      probe: { status: 'up', latencyMs: expect.any(Number) },
    });
  });

  it('creates no session, writes nothing to the table or the cache and sets no cookie', async () => {
    await healthUntil(t, '/health', allUp);
    // A session that exists, and whose cookie one of the checks carries.
    const key = sessionCookie((await request(t.url).get('/modify_session').expect(200)).headers)!.value;
    const rows = await t.dataSource.getRepository(QSession).count();
    t.queries.reset();
    const stop = watchCache(t);
    let cache: { writes: string[]; reads: string[] };
    try {
      for (const cookie of [undefined, undefined, `sessionid=${key}`]) {
        const check = request(t.url).get('/health');
        const response = await (cookie ? check.set('Cookie', cookie) : check).expect(200);
        expect(response.headers['set-cookie']).toBeUndefined();
      }
    } finally {
      cache = stop();
    }
    expect(t.queries.writes).toEqual([]);
    // Each check looked in the sessions table itself (besides, the cookie's session was loaded as
    // on any request: read, not written).
    expect(t.queries.reads.filter((query) => query.includes('health') || query.includes('probe'))).toHaveLength(3);
    expect(await t.dataSource.getRepository(QSession).count()).toBe(rows);
    expect(cache.writes).toEqual([]);
    if (variant.engine === 'cached_db') {
      const probeKey = t.app.get<KeyValueSessionCache>(QSESSIONS_SESSION_CACHE).keys.healthProbe;
      expect(cache.reads.filter((read) => read === probeKey)).toHaveLength(3);
    }
  });

  it('answers 503 with the database down and its error, and 200 again once it is back', async () => {
    await t.dataSource.destroy();
    try {
      const { body } = await healthUntil(t, '/health', (status) => status !== 200, 2000);
      expect(body.status).toBe('error');
      const sessions = body.error!.sessions!;
      expect(sessions.status).toBe('down');
      expect(sessions.database).toEqual({
        status: 'down',
        latencyMs: expect.any(Number),
        message: 'The TypeORM DataSource is not connected (not initialized yet, or destroyed).',
      });
      expect(sessions.message).toContain('The sessions database does not answer: The TypeORM DataSource');
      expect(body.details.sessions.database.status).toBe('down');
    } finally {
      await t.dataSource.initialize();
    }
    await healthUntil(t, '/health', allUp);
  });
});

// A lookup the database holds up (a lock on the sessions table, taken by another connection)
// counts as down after `timeoutMs`, and the check returns then, not when the lock goes.
const serverDatabases = databases.filter((database) => database !== 'sqlite');
const eachServerDatabase =
  serverDatabases.length > 0 ? describe.each(serverDatabases) : describe.skip.each(['sqlite' as const]);

eachServerDatabase('health indicator with the sessions table locked on %s', (database) => {
  const variant: Variant = { name: database, database, engine: 'db', cache: null, adapter: 'express' };
  let t: TestApp;
  beforeAll(async () => {
    t = await startHealthApp(variant);
  });
  afterAll(() => t?.close());

  it('is down once the lookup takes longer than timeoutMs', async () => {
    const locker = t.dataSource.createQueryRunner();
    await locker.connect();
    const startedAt = Date.now();
    let response: request.Response;
    try {
      if (database === 'postgres') {
        await locker.startTransaction();
        await locker.query('LOCK TABLE qsessions_session IN ACCESS EXCLUSIVE MODE');
      } else {
        await locker.query('LOCK TABLES qsessions_session WRITE');
      }
      // Bounded: a check that waited for the lock would hold it forever (it is released below).
      response = await request(t.url).get('/health/impatient').timeout(5000);
    } finally {
      if (database === 'postgres') await locker.rollbackTransaction();
      else await locker.query('UNLOCK TABLES');
      await locker.release();
    }
    expect(Date.now() - startedAt).toBeLessThan(5000);
    expect(response.status).toBe(503);
    expect(response.body.error.sessions.database).toEqual({
      status: 'down',
      latencyMs: expect.any(Number),
      message: 'The sessions table did not answer within 300 ms',
    });
    await healthUntil(t, '/health', allUp);
  });
});

// Redis going away and coming back, with a redis-server of the test's own (stopped and started
// again on its port). Sessions keep working from the database meanwhile, so the indicator stays
// up and says the cache is degraded; a check with `cacheRequired` is down.
describe.each(databases)('health indicator with a Redis cache that stops on %s', (database) => {
  const variant: Variant = { name: database, database, engine: 'cached_db', cache: 'redis', adapter: 'express' };
  let redis: PrivateRedis;
  let t: TestApp;
  beforeAll(async () => {
    redis = await PrivateRedis.start();
    t = await startHealthApp(variant, { qsessions: { cache: { redisUrl: redis.url, timeoutMs: 200 } } });
  });
  afterAll(async () => {
    await t?.close();
    await redis?.destroy();
  });

  it('adds no key to Redis', async () => {
    await healthUntil(t, '/health', allUp);
    await request(t.url).get('/modify_session').expect(200);
    const before = ((await redis.command('KEYS', '*')) as string[]).sort();
    for (let i = 0; i < 3; i++) await request(t.url).get('/health').expect(200);
    await request(t.url).get('/health/strict').expect(200);
    expect(((await redis.command('KEYS', '*')) as string[]).sort()).toEqual(before);
    expect(before.some((key) => key.endsWith('health-probe'))).toBe(false);
  });

  it('shows the breaker open while Redis is down (cache degraded, 503 when required) and closed once it is back', async () => {
    await healthUntil(t, '/health', allUp);
    await redis.stop();
    const { status, body } = await healthUntil(
      t,
      '/health',
      (_status, answer) => answer.details.sessions.cache?.breaker.state !== 'closed',
    );
    expect(status).toBe(200);
    const cache = body.details.sessions.cache!;
    expect(body.details.sessions.status).toBe('up');
    expect(cache).toMatchObject({ status: 'degraded', kind: 'redis', shared: true });
    expect(cache.probe).toEqual({ status: 'down', latencyMs: expect.any(Number), message: expect.any(String) });
    expect(cache.message).toContain(`the probe read failed: ${cache.probe.message}`);
    expect(cache.message).toContain('circuit breaker is open');
    expect(['open', 'half-open']).toContain(cache.breaker.state);
    const { openedAt, lastFailureAt, nextProbeAt } = cache.breaker;
    expect(Date.parse(openedAt!)).toBeLessThanOrEqual(Date.parse(lastFailureAt!));
    expect(Date.parse(nextProbeAt!)).toBeGreaterThan(Date.parse(lastFailureAt!));

    const strict = await request(t.url).get('/health/strict').expect(503);
    expect(strict.body.error.sessions.cache.status).toBe('down');
    expect(strict.body.error.sessions.database.status).toBe('up');
    expect(strict.body.error.sessions.message).toContain('The session cache is degraded');
    // Degraded, not broken: sessions are stored and read from the database.
    const key = sessionCookie((await request(t.url).get('/modify_session').expect(200)).headers)!.value;
    await request(t.url).get('/read_session').set('Cookie', `sessionid=${key}`).expect(200, { FOO: 'BAR' });

    await redis.start();
    const back = await healthUntil(t, '/health', allUp, 20_000);
    expect(back.body.details.sessions.cache).toMatchObject({
      status: 'up',
      breaker: { state: 'closed' },
      trusted: true,
    });
    await request(t.url).get('/health/strict').expect(200);
  }, 40_000);

  it('says the cache is degraded while its records are not trusted, though Redis answers', async () => {
    await healthUntil(t, '/health', allUp);
    // The once-a-second check reads held revocations from the database: without it, the trust
    // lapses (2.5 s) and cached sessions are no longer served, while Redis itself is fine.
    await t.dataSource.destroy();
    try {
      const { body } = await healthUntil(
        t,
        '/health',
        (_status, answer) => answer.details.sessions.cache?.trusted === false,
      );
      expect(body.details.sessions.cache).toMatchObject({
        status: 'degraded',
        trusted: false,
        breaker: { state: 'closed' },
        probe: { status: 'up' },
        message: 'The session cache is degraded: cached sessions are not served until its next check succeeds.',
      });
    } finally {
      await t.dataSource.initialize();
    }
    await healthUntil(t, '/health', allUp);
  });
});
