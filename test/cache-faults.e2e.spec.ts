import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { databases, type Variant } from './support/matrix.js';
import { PrivateRedis } from './support/redis-server.js';
import { TcpGate } from './support/tcp-gate.js';
import { MySessionsController } from './support/sessions.controller.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { TestController } from './support/test.controller.js';
import { sessionCookie } from './support/http.js';
import { IntUser } from './support/users.js';
import { sleep } from './support/sleep.js';

// Cache faults with a real redis-server of the test's own: stalled (SIGSTOP), cut off by a
// partition while it keeps its data (the worst case for stale entries: commands sent during
// the partition never arrive), stopped and restarted. Two app instances share the database and
// the Redis, as two processes of one app would.

// Far above the cache timeout: a request slower than this means it waited on the stalled cache.
const NO_HANG_MS = 5000;

async function signIn(app: TestApp, userId: number): Promise<string> {
  const response = await request(app.url).post('/me/sessions/login-as').send({ userId }).expect(200);
  return sessionCookie(response.headers)!.value;
}

async function whoami(app: TestApp, key: string): Promise<number | null> {
  const response = await request(app.url)
    .get('/me/sessions/whoami')
    .set('Cookie', `sessionid=${key}`)
    .timeout(NO_HANG_MS)
    .expect(200);
  return response.body.userId;
}

describe.each(databases)('cached_db with Redis faults on %s', (database) => {
  const variant: Variant = { name: database, database, engine: 'cached_db', cache: 'redis', adapter: 'express' };
  let redis: PrivateRedis;
  // Each instance reaches Redis through its own gate, so a partition can cut one and not the other.
  let firstGate: TcpGate;
  let secondGate: TcpGate;
  let first: TestApp;
  let second: TestApp;
  let folder: string;
  let userId: number;

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    firstGate = await TcpGate.start(redis.port);
    secondGate = await TcpGate.start(redis.port);
    folder = mkdtempSync(join(tmpdir(), 'qsessions-faults-'));
    const through = (gate: TcpGate) => ({
      controllers: [TestController, MySessionsController],
      sqliteFile: join(folder, 'sessions.db'),
      qsessions: { cache: { redisUrl: `redis://127.0.0.1:${gate.port}`, timeoutMs: 150, keyPrefix: 'faults:' } },
    });
    first = await startTestApp(variant, through(firstGate));
    second = await startTestApp(variant, { ...through(secondGate), keepSchema: true });
    userId = (await first.dataSource.getRepository(IntUser).save({ username: 'faulty' })).id;
  });
  afterAll(async () => {
    await first?.close();
    await second?.close();
    await firstGate?.close();
    await secondGate?.close();
    await redis?.stop();
    rmSync(folder, { recursive: true, force: true });
  });

  it('keeps answering while Redis stalls, from the database, and carries on when it returns', async () => {
    const key = await signIn(first, userId);
    expect(await whoami(second, key)).toBe(userId);
    redis.stall();
    try {
      for (let i = 0; i < 6; i++) {
        expect(await whoami(i % 2 ? first : second, key)).toBe(userId);
      }
      // New sign-ins work too (written to the database; the cache write is skipped).
      const other = await signIn(second, userId);
      expect(await whoami(first, other)).toBe(userId);
    } finally {
      redis.resume();
    }
    await sleep(1200);
    for (let i = 0; i < 4; i++) expect(await whoami(i % 2 ? first : second, key)).toBe(userId);
  });

  it('a session revoked while Redis is cut off is still gone after Redis returns, on every instance', async () => {
    const key = await signIn(first, userId);
    // Cached in Redis by both instances.
    expect(await whoami(second, key)).toBe(userId);
    expect(await whoami(first, key)).toBe(userId);
    firstGate.cut();
    secondGate.cut();
    try {
      expect(await first.sessions.revokeAll(userId)).toBeGreaterThanOrEqual(1);
      expect(await whoami(first, key)).toBeNull();
      expect(await whoami(second, key)).toBeNull();
    } finally {
      firstGate.restore();
      secondGate.restore();
    }
    // Redis still holds the old entry; neither instance may serve it, now or later.
    for (const wait of [0, 600, 1500, 6000]) {
      await sleep(wait);
      expect(await whoami(second, key)).toBeNull();
      expect(await whoami(first, key)).toBeNull();
    }
  });

  it('right after an outage, an instance distrusts cached sessions while the revoker cannot reach Redis yet', async () => {
    const key = await signIn(first, userId);
    expect(await whoami(second, key)).toBe(userId);
    expect(await whoami(first, key)).toBe(userId);
    firstGate.cut();
    secondGate.cut();
    expect(await first.sessions.revokeAll(userId)).toBeGreaterThanOrEqual(1);
    expect(await whoami(second, key)).toBeNull();
    // Redis comes back for the second instance only: it still holds the revoked session, and
    // the first instance cannot replay its revocation yet. The quarantine is all that stands.
    secondGate.restore();
    try {
      for (const wait of [1200, 800, 800]) {
        await sleep(wait);
        expect(await whoami(second, key)).toBeNull();
      }
    } finally {
      firstGate.restore();
    }
    await sleep(5500);
    expect(await whoami(second, key)).toBeNull();
    expect(await whoami(first, key)).toBeNull();
  });

  it('serves sessions while Redis is stopped and uses it again once it is back', async () => {
    const key = await signIn(first, userId);
    await redis.stop();
    expect(await whoami(first, key)).toBe(userId);
    const during = await signIn(first, userId);
    expect(await whoami(second, during)).toBe(userId);
    await redis.start();
    // The first request after the breaker's retry time finds Redis back; cached records are
    // then re-checked against the database for the quarantine (5 s), after which Redis answers.
    await sleep(2500);
    expect(await whoami(first, key)).toBe(userId);
    await sleep(5500);
    expect(await whoami(first, key)).toBe(userId);
    first.queries.reset();
    expect(await whoami(first, key)).toBe(userId);
    expect(first.queries.reads).toEqual([]);
  });
});
