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
