import { randomUUID } from 'node:crypto';
import { createNoopMeter, metrics } from '@opentelemetry/api';
import { QSESSIONS_STORE, QSESSIONS_TELEMETRY } from '../lib/qsessions.constants.js';
import { CachedSessionStore } from '../lib/session/cached-session-store.js';
import { TypeOrmSessionStore } from '../lib/typeorm/typeorm-session-store.js';
import { digest } from './support/digest.js';
import { variants } from './support/matrix.js';
import { SessionClient } from './support/session-client.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { IntUser } from './support/users.js';

// An app with @opentelemetry/api installed (it is here) but no SDK registered: the API would hand
// out its no-ops, so the module records nothing and leaves its store as it is (no cost per request).

describe.each(variants())('without an OpenTelemetry SDK, on $name', (variant) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(variant);
  });
  afterAll(() => t?.close());

  it('has no telemetry and an unwrapped store', () => {
    expect(metrics.getMeter('nest-qsessions')).toBe(createNoopMeter());
    expect(t.app.get(QSESSIONS_TELEMETRY)).toBeNull();
    const store = t.app.get(QSESSIONS_STORE);
    expect(store).toBeInstanceOf(variant.engine === 'db' ? TypeOrmSessionStore : CachedSessionStore);
  });

  it('signs in, reads, writes and revokes as usual', async () => {
    const userId = (await t.dataSource.getRepository(IntUser).save({ username: `u${randomUUID()}` })).id;
    const browser = new SessionClient(t, 'Browser/1.0');
    expect((await browser.send('post', '/login', { userId })).status).toBe(200);
    expect((await browser.send('post', '/set', { cart: 3 })).status).toBe(200);
    expect((await browser.send('get', '/read_session')).body).toMatchObject({ userId, cart: 3 });
    expect(await t.sessions.revoke(userId, digest(browser.key!))).toBe(true);
    expect((await browser.send('get', '/read_session')).body).toEqual({});
  });
});
