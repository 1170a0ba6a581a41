import request from 'supertest';
import { sessionCookie } from './support/http.js';
import { variants } from './support/matrix.js';
import { startTestApp, type TestApp } from './support/test-app.js';

// The database going away under a running app: a request that needs the session gets a clear
// 503 (never a crash, never a silent anonymous session), and service resumes when it is back.
// The outage is real for the app: its TypeORM connection is closed, then opened again.

describe.each(variants().filter((variant) => variant.engine === 'db'))('database faults on $name', (variant) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(variant);
  });
  afterAll(() => t?.close());

  it('answers 503 while the database is unreachable and recovers by itself', async () => {
    const created = await request(t.url).get('/modify_session').expect(200);
    const key = sessionCookie(created.headers)!.value;
    await t.dataSource.destroy();
    try {
      const during = await request(t.url).get('/read_session').set('Cookie', `sessionid=${key}`);
      expect(during.status).toBe(503);
      expect(sessionCookie(during.headers)).toBeUndefined();
      // A new session cannot be stored either: the save fails with 503 instead of a lost write.
      const write = await request(t.url).get('/modify_session');
      expect(write.status).toBe(503);
      expect(sessionCookie(write.headers)).toBeUndefined();
      // A request that needs no session is not affected.
      await request(t.url).get('/plain').expect(200);
    } finally {
      await t.dataSource.initialize();
    }
    // Back (the test harness rebuilds the schema when it reconnects, so start a new session).
    const again = await request(t.url).get('/modify_session').expect(200);
    const newKey = sessionCookie(again.headers)!.value;
    await request(t.url).get('/read_session').set('Cookie', `sessionid=${newKey}`).expect(200, { FOO: 'BAR' });
  });
});

// cached_db on Redis: a process serves cached sessions only while its once-a-second check (which
// reads the held revocations from the database) succeeds. With the database gone, the cache
// answers for at most the trust window (2.5 s), then the request needs the database: 503.
const sharedCacheVariants = variants().filter((variant) => variant.engine === 'cached_db' && variant.cache === 'redis');
const eachSharedCacheVariant =
  sharedCacheVariants.length > 0 ? describe.each(sharedCacheVariants) : describe.skip.each(variants().slice(0, 1));

eachSharedCacheVariant('database faults behind a shared cache on $name', (variant) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(variant);
  });
  afterAll(() => t?.close());

  it('stops trusting Redis within the trust window once the database is gone, and recovers by itself', async () => {
    const created = await request(t.url).get('/modify_session').expect(200);
    const key = sessionCookie(created.headers)!.value;
    // Cached, and served from Redis.
    await request(t.url).get('/read_session').set('Cookie', `sessionid=${key}`).expect(200, { FOO: 'BAR' });
    await t.dataSource.destroy();
    const goneAt = Date.now();
    let refusedAfter: number | null = null;
    try {
      while (refusedAfter === null && Date.now() - goneAt < 10_000) {
        const during = await request(t.url).get('/read_session').set('Cookie', `sessionid=${key}`);
        if (during.status === 503) refusedAfter = Date.now() - goneAt;
        else expect(during.body).toEqual({ FOO: 'BAR' });
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      await t.dataSource.initialize();
    }
    // The trust window (2.5 s) plus one check interval (1 s) at most, with room for a slow machine.
    expect(refusedAfter).not.toBeNull();
    expect(refusedAfter!).toBeLessThan(6000);
    const again = await request(t.url).get('/modify_session').expect(200);
    const newKey = sessionCookie(again.headers)!.value;
    await request(t.url).get('/read_session').set('Cookie', `sessionid=${newKey}`).expect(200, { FOO: 'BAR' });
  });
});
