import request from 'supertest';
import { QSession, type ClientHints, type SessionView } from '../lib/index.js';
import type { SessionStore } from '../lib/session/session-store.js';
import { QSESSIONS_STORE } from '../lib/qsessions.constants.js';
import { ClientHintsController } from './support/client-hints.controller.js';
import { digest } from './support/digest.js';
import { sessionCookie } from './support/http.js';
import { variants } from './support/matrix.js';
import { MySessionsController } from './support/sessions.controller.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { TestController } from './support/test.controller.js';
import { IntUser } from './support/users.js';

// `clientHints: true`: every response asks for the hints, the hints a request sends are stored
// with its session and describe its device; hostile hint headers change nothing.

const ACCEPT_CH = 'Sec-CH-UA-Platform-Version, Sec-CH-UA-Model, Sec-CH-UA-Full-Version-List';
const MAC_UA =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const WINDOWS_UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
/** What Chrome 124 on macOS 14 sends once it has seen Accept-CH. */
const MAC_HINTS: Record<string, string> = {
  'Sec-CH-UA': '"Chromium";v="124", "Google Chrome";v="124", "Not-A.Brand";v="99"',
  'Sec-CH-UA-Mobile': '?0',
  'Sec-CH-UA-Platform': '"macOS"',
  'Sec-CH-UA-Platform-Version': '"14.2.1"',
  'Sec-CH-UA-Model': '""',
  'Sec-CH-UA-Full-Version-List':
    '"Chromium";v="124.0.6367.91", "Google Chrome";v="124.0.6367.91", "Not-A.Brand";v="99.0.0.0"',
};
const STORED_MAC_HINTS =
  '{"platform":"macOS","platformVersion":"14.2.1","model":"","mobile":false,"brands":' +
  '[{"brand":"Chromium","version":"124.0.6367.91"},{"brand":"Google Chrome","version":"124.0.6367.91"}]}';
// Latin-1 bytes an HTTP client may send in a header, and quoting that goes nowhere.
const JUNK = Array.from({ length: 400 }, (_, index) => String.fromCharCode(0x80 + (index % 0x80))).join('');
const HOSTILE_HINTS: Record<string, string> = {
  'Sec-CH-UA-Platform': `"${'A'.repeat(10_240)}"`,
  'Sec-CH-UA-Platform-Version': `"14.${JUNK}"`,
  'Sec-CH-UA-Model': `"Pixel ${JUNK.slice(0, 40)}"`,
  'Sec-CH-UA-Mobile': '?2',
  'Sec-CH-UA': '"Chromium";v="124", "Google Chrome";v="124"'.repeat(40),
  'Sec-CH-UA-Full-Version-List': `"Chromium";v="124.0.6367.91", ${JUNK}`,
};

function send(test: request.Test, userAgent: string, hints: Record<string, string> = {}, key?: string): request.Test {
  test.set('User-Agent', userAgent);
  for (const [name, value] of Object.entries(hints)) test.set(name, value);
  if (key) test.set('Cookie', `sessionid=${key}`);
  return test;
}

describe.each(variants())('clientHints on $name', (variant) => {
  let on: TestApp;
  let off: TestApp;
  beforeAll(async () => {
    const controllers = [TestController, MySessionsController, ClientHintsController];
    on = await startTestApp(variant, { controllers, qsessions: { clientHints: true } });
    off = await startTestApp(variant, { controllers, keepSchema: true });
  });
  afterAll(async () => {
    await on?.close();
    await off?.close();
  });

  /** Signs a new user in on `t` with these headers; resolves to the cookie key. */
  async function signIn(t: TestApp, userAgent: string, hints: Record<string, string> = {}): Promise<string> {
    const user = await t.dataSource.getRepository(IntUser).save({ username: `h${Math.random()}` });
    const response = await send(request(t.url).post('/me/sessions/login-as'), userAgent, hints)
      .send({ userId: user.id })
      .expect(200);
    return sessionCookie(response.headers)!.value;
  }

  const rowOf = (t: TestApp, key: string) =>
    t.dataSource.getRepository(QSession).findOneByOrFail({ sessionKey: digest(key) });

  async function listed(t: TestApp, key: string, userAgent: string, hints: Record<string, string> = {}) {
    const response = await send(request(t.url).get('/me/sessions'), userAgent, hints, key).expect(200);
    return (response.body as SessionView[]).find((view) => view.current)!;
  }

  it('asks for the hints on every response with the option, never without it', async () => {
    for (const path of ['/plain', '/read_session', '/no-such-route']) {
      const response = await request(on.url).get(path);
      expect(response.headers['accept-ch']).toBe(ACCEPT_CH);
      // The response does not depend on the hints: no Vary on them.
      expect(String(response.headers.vary ?? '')).not.toMatch(/sec-ch/i);
      expect((await request(off.url).get(path)).headers['accept-ch']).toBeUndefined();
    }
    const key = await signIn(on, MAC_UA, MAC_HINTS);
    const read = await send(request(on.url).get('/read_session'), MAC_UA, MAC_HINTS, key).expect(200);
    expect(read.headers['accept-ch']).toBe(ACCEPT_CH);
    expect(read.headers.vary).toBe('Cookie');
  });

  it("adds to the app's own Accept-CH and Vary, naming each once", async () => {
    const key = await signIn(on, MAC_UA, MAC_HINTS);
    const response = await send(request(on.url).get('/hints/own-headers'), MAC_UA, MAC_HINTS, key).expect(200);
    expect(response.headers['accept-ch']).toBe(
      'Sec-CH-Prefers-Color-Scheme, sec-ch-ua-model, Sec-CH-UA-Platform-Version, Sec-CH-UA-Full-Version-List',
    );
    expect(response.headers.vary).toBe('Accept-Encoding, Cookie');
    const without = await send(request(off.url).get('/hints/own-headers'), MAC_UA, MAC_HINTS).expect(200);
    expect(without.headers['accept-ch']).toBe('Sec-CH-Prefers-Color-Scheme, sec-ch-ua-model');
  });

  it('stores the hints with the session, and list(), device() and @ClientInfo() read them', async () => {
    const key = await signIn(on, MAC_UA, MAC_HINTS);
    const row = await rowOf(on, key);
    expect(row.clientHints).toBe(STORED_MAC_HINTS);
    expect(row.device().summary).toBe('Chrome on macOS 14');
    const view = await listed(on, key, MAC_UA, MAC_HINTS);
    expect(view.device.summary).toBe('Chrome on macOS 14');
    expect(view.device.os).toEqual({ name: 'Mac OS', version: '14', versionFromClientHints: true });
    const client = (await send(request(on.url).get('/client'), MAC_UA, MAC_HINTS).expect(200)).body as {
      clientHints: ClientHints;
    };
    expect(client.clientHints).toEqual(JSON.parse(STORED_MAC_HINTS));
  });

  it('without the option, stores and reads none', async () => {
    const key = await signIn(off, MAC_UA, MAC_HINTS);
    expect((await rowOf(off, key)).clientHints).toBeNull();
    expect((await listed(off, key, MAC_UA, MAC_HINTS)).device.summary).toBe('Chrome on macOS');
    const client = await send(request(off.url).get('/client'), MAC_UA, MAC_HINTS).expect(200);
    expect(client.body).toMatchObject({ userAgent: MAC_UA, clientHints: null });
  });

  it('keeps the stored hints through requests that send none with the same User-Agent, and writes nothing', async () => {
    const key = await signIn(on, MAC_UA, MAC_HINTS);
    const before = await rowOf(on, key);
    on.queries.reset();
    expect((await listed(on, key, MAC_UA)).device.summary).toBe('Chrome on macOS 14');
    await send(request(on.url).get('/read_session'), MAC_UA, {}, key).expect(200);
    // The same hints again change nothing either.
    await send(request(on.url).get('/read_session'), MAC_UA, MAC_HINTS, key).expect(200);
    expect(on.queries.writes).toEqual([]);
    const after = await rowOf(on, key);
    expect(after.clientHints).toBe(STORED_MAC_HINTS);
    expect(after.updatedAt.getTime()).toBe(before.updatedAt.getTime());
  });

  it('writes new hints (an OS update), and drops them when the User-Agent changes without any', async () => {
    const key = await signIn(on, MAC_UA, MAC_HINTS);
    await send(request(on.url).get('/read_session'), MAC_UA, { 'Sec-CH-UA-Platform-Version': '"15.0.0"' }, key).expect(
      200,
    );
    expect(JSON.parse((await rowOf(on, key)).clientHints!)).toEqual({
      ...JSON.parse(STORED_MAC_HINTS),
      platformVersion: '15.0.0',
    });
    expect((await listed(on, key, MAC_UA)).device.summary).toBe('Chrome on macOS 15');

    await send(request(on.url).get('/read_session'), WINDOWS_UA, {}, key).expect(200);
    const row = await rowOf(on, key);
    expect([row.userAgent, row.clientHints]).toEqual([WINDOWS_UA, null]);
    expect((await listed(on, key, WINDOWS_UA)).device.summary).toBe('Chrome on Windows');
  });

  it('answers normally to hostile hint headers, and stores nothing from them', async () => {
    const key = await signIn(on, MAC_UA, HOSTILE_HINTS);
    expect((await rowOf(on, key)).clientHints).toBeNull();
    const read = await send(request(on.url).get('/read_session'), MAC_UA, HOSTILE_HINTS, key).expect(200);
    expect(read.headers['accept-ch']).toBe(ACCEPT_CH);
    expect((await listed(on, key, MAC_UA, HOSTILE_HINTS)).device.summary).toBe('Chrome on macOS');
    // One good hint among them is kept, alone.
    await send(
      request(on.url).get('/read_session'),
      MAC_UA,
      { ...HOSTILE_HINTS, 'Sec-CH-UA-Mobile': '?0' },
      key,
    ).expect(200);
    expect((await rowOf(on, key)).clientHints).toBe('{"mobile":false}');
  });

  it('reads the hints back from the engine the app runs (the cache, with cached_db)', async () => {
    const key = await signIn(on, MAC_UA, MAC_HINTS);
    const store = on.app.get<SessionStore>(QSESSIONS_STORE);
    on.queries.reset();
    expect((await store.get(digest(key)))?.clientHints).toBe(STORED_MAC_HINTS);
    // A request with the same hints finds them where its session came from: nothing to write.
    await send(request(on.url).get('/read_session'), MAC_UA, MAC_HINTS, key).expect(200);
    expect(on.queries.writes).toEqual([]);
    expect(on.queries.reads).toHaveLength(variant.engine === 'cached_db' ? 0 : 2);
  });
});
