import { LiveSessions } from '../lib/index.js';
import { digest } from './support/digest.js';
import { LiveSseController } from './support/live-sse.controller.js';
import { variants } from './support/matrix.js';
import { SessionClient } from './support/session-client.js';
import { openEventStream } from './support/sse-client.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { TestController } from './support/test.controller.js';
import { IntUser } from './support/users.js';

// Server-sent events that end with their session (LiveSessions.watch()), on real servers.

describe.each(variants())('server-sent events on $name', (variant) => {
  let t: TestApp;
  let userId: number;

  beforeAll(async () => {
    t = await startTestApp(variant, { controllers: [TestController, LiveSseController] });
    userId = (await t.dataSource.getRepository(IntUser).save({ username: 'sse' })).id;
  });
  afterAll(() => t?.close());

  async function signedIn(): Promise<SessionClient> {
    const browser = new SessionClient(t, 'Browser/1.0');
    await browser.send('post', '/login', { userId });
    return browser;
  }

  it('streams until the session is revoked, then sends session-ended with the reason and ends', async () => {
    const browser = await signedIn();
    const stream = openEventStream(`${t.url}/live/events`, `sessionid=${browser.key}`);
    await stream.next('tick');
    expect(t.app.get(LiveSessions).connectionCount).toBe(1);
    await t.sessions.revoke(userId, digest(browser.key!), { reason: 'admin' });
    const events = await stream.ended;
    expect(events.at(-1)).toEqual({ type: 'session-ended', data: { reason: 'admin' } });
    expect(t.app.get(LiveSessions).connectionCount).toBe(0);
  });

  it('a request without a session gets session-ended at once', async () => {
    const events = await openEventStream(`${t.url}/live/events`).ended;
    expect(events).toEqual([{ type: 'session-ended', data: { reason: 'unauthenticated' } }]);
  });

  it('a stream the client closes is forgotten, and a later revocation of its session touches nothing', async () => {
    const browser = await signedIn();
    const stream = openEventStream(`${t.url}/live/events`, `sessionid=${browser.key}`);
    await stream.next('tick');
    stream.close();
    await stream.ended.catch(() => undefined);
    const live = t.app.get(LiveSessions);
    for (let attempt = 0; live.connectionCount > 0 && attempt < 100; attempt++)
      await new Promise((r) => setTimeout(r, 20));
    expect(live.connectionCount).toBe(0);
    await browser.send('post', '/logout');
  });

  it('SocketSessionGuard on an HTTP route lets a signed-in session through and answers 401 otherwise', async () => {
    const browser = await signedIn();
    expect((await browser.send('get', '/live/guarded')).status).toBe(200);
    const anonymous = new SessionClient(t, 'Browser/1.0');
    await anonymous.send('post', '/set', { cart: 1 });
    expect((await anonymous.send('get', '/live/guarded')).status).toBe(401);
  });
});
