import request from 'supertest';
import WebSocket from 'ws';
import { LiveSessions, SESSION_ENDED_CLOSE_CODE } from '../lib/index.js';
import { LIVE_CLIENT_SCRIPT, LIVE_PATH, LIVE_SCRIPT_PATH } from '../sample-app/src/live/live-client.js';
import { WATCHING_MESSAGE } from '../sample-app/src/live/live.gateway.js';
import { hashPassword } from '../sample-app/src/users/password.js';
import { User } from '../sample-app/src/users/user.entity.js';
import { sessionCookie } from './support/http.js';
import { caches, databases } from './support/matrix.js';
import { sampleEnv, startSample, type RunningSample } from './support/sample-app.js';
import { Browser } from './support/sample-browser.js';

// The sample app's live sign-out and its GraphQL API, over real HTTP and real WebSockets (the `ws`
// package as the client, with a browser's cookie): a signed-in page's socket is closed with code
// 4001 and the reason as soon as its session ends elsewhere; a socket without a signed-in session
// is refused; `mySessions` and `revokeSession` act on the caller's own sessions only, and nothing
// that another site's page could send runs a mutation. On every database and cache of the run.

const CHROME_WINDOWS =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const SAFARI_IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';

const sampleVariants = databases.flatMap((database) => caches.map((cache) => ({ database, cache })));

/** How a WebSocket connection ended: its close code and reason. */
interface Closed {
  code: number;
  reason: string;
}

/** A client of `/live`, as a signed-in page opens it. */
interface LiveSocket {
  socket: WebSocket;
  /** Resolves when the gateway says it follows the session (its one message). */
  watching: Promise<void>;
  closed: Promise<Closed>;
}

interface GraphqlResult<T> {
  status: number;
  data: T | null | undefined;
  errors: Array<{ message: string; extensions?: { code?: string } }> | undefined;
  response: request.Response;
}

interface DeviceSessionResult {
  id: string;
  label: string | null;
  device: string;
  details: string;
  deviceType: string;
  ip: string | null;
  location: string | null;
  createdAt: string;
  lastActive: string;
  current: boolean;
}

const MY_SESSIONS = `query {
  mySessions { id label device details deviceType ip location createdAt lastActive current }
}`;
const REVOKE = 'mutation Revoke($id: String!) { revokeSession(id: $id) }';

describe.each(sampleVariants)(
  'sample app live sign-out and GraphQL on $database + $cache cache',
  ({ database, cache }) => {
    let sample: RunningSample;
    let userCount = 0;
    const sockets: WebSocket[] = [];

    beforeAll(async () => {
      sample = await startSample(sampleEnv(database, cache));
    });
    afterEach(() => {
      for (const socket of sockets.splice(0)) socket.terminate();
    });
    afterAll(() => sample?.close());

    /** A user of this test alone, so that no other test's sign-ins reach the session limit. */
    async function addUser(): Promise<User> {
      userCount += 1;
      const username = `live${userCount}`;
      const users = sample.dataSource.getRepository(User);
      const passwordHash = await hashPassword(`${username}-password`);
      return users.save(
        users.create({ username, displayName: `Live Tester ${userCount}`, passwordHash, isStaff: false }),
      );
    }

    async function signedIn(username: string, userAgent: string, ip?: string): Promise<Browser> {
      const browser = new Browser(sample.url, userAgent, ip);
      await browser.signIn(username);
      return browser;
    }

    /** Opens `/live` with the browser's cookie (and `headers`), as its pages' script does. */
    function connect(browser: Browser | null, headers: Record<string, string> = {}): LiveSocket {
      const cookie = browser?.key ? { Cookie: `sessionid=${browser.key}` } : {};
      const socket = new WebSocket(`${sample.url.replace(/^http/, 'ws')}${LIVE_PATH}`, {
        headers: { 'User-Agent': browser?.userAgent ?? 'LiveTest/1.0', ...cookie, ...headers },
      });
      sockets.push(socket);
      const closed = new Promise<Closed>((resolve) =>
        socket.once('close', (code, reason) => resolve({ code, reason: String(reason) })),
      );
      // The handshake completes before the gateway has read the session: a test that ends a session
      // waits for this message, so that it tests the close of a followed connection.
      const watching = new Promise<void>((resolve, reject) => {
        socket.once('message', (data) =>
          String(data) === WATCHING_MESSAGE ? resolve() : reject(new Error(String(data))),
        );
        void closed.then((end) => reject(new Error(`closed before watching: ${end.code} ${end.reason}`)));
      });
      watching.catch(() => undefined);
      return { socket, watching, closed };
    }

    /** How the gateway answered a socket: its close, or `'watching'` when it accepted it. */
    const answerTo = (live: LiveSocket): Promise<Closed | 'watching'> =>
      Promise.race([live.closed, live.watching.then(() => 'watching' as const)]);

    /** Opens `/live` for a signed-in browser and waits until the app follows it. */
    async function liveSocket(browser: Browser): Promise<LiveSocket> {
      const live = connect(browser);
      await live.watching;
      return live;
    }

    async function graphql<T>(
      browser: Browser | null,
      query: string,
      variables?: Record<string, unknown>,
    ): Promise<GraphqlResult<T>> {
      const call = request(sample.url)
        .post('/graphql')
        .set('User-Agent', browser?.userAgent ?? 'GraphqlTest/1.0');
      if (browser?.key) call.set('Cookie', `sessionid=${browser.key}`);
      if (browser?.ip) call.set('X-Forwarded-For', browser.ip);
      const response = await call.send({ query, variables });
      const body = response.body as { data?: T | null; errors?: GraphqlResult<T>['errors'] };
      return { status: response.status, data: body.data, errors: body.errors, response };
    }

    it('gives every signed-in page its live script, which the Content-Security-Policy lets run and connect', async () => {
      const { username } = await addUser();
      const browser = await signedIn(username, CHROME_WINDOWS);
      const page = await browser.get('/sessions');
      expect(page.text).toContain(`<script src="${LIVE_SCRIPT_PATH}" defer></script>`);
      const policy = String(page.headers['content-security-policy']).split('; ');
      expect(policy).toEqual(expect.arrayContaining(["default-src 'none'", "script-src 'self'", "connect-src 'self'"]));
      // No inline script is allowed (script-src is only 'self'), and the pages have none.
      expect(page.text.match(/<script/g)).toHaveLength(1);
      for (const path of ['/account/activity', '/account/password']) {
        expect((await browser.get(path)).text).toContain(`<script src="${LIVE_SCRIPT_PATH}"`);
      }

      const script = await request(sample.url).get(LIVE_SCRIPT_PATH).expect(200);
      expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
      expect(script.text).toBe(LIVE_CLIENT_SCRIPT);
      expect(script.text).toContain(`const SESSION_ENDED = ${SESSION_ENDED_CLOSE_CODE};`);
      // The sign-in page (no session to follow) has no script.
      expect((await new Browser(sample.url, CHROME_WINDOWS).get('/login')).text).not.toContain('<script');
    });

    it('closes a signed-in socket with 4001 "revoke" when another browser of the user signs it out on the sessions page', async () => {
      const { username } = await addUser();
      const windows = await signedIn(username, CHROME_WINDOWS, '89.160.20.112');
      const iphone = await signedIn(username, SAFARI_IPHONE, '81.2.69.160');
      const iphoneLive = await liveSocket(iphone);
      const windowsLive = await liveSocket(windows);

      await windows.sessionsPage();
      const revoked = await windows.post(`/sessions/${iphone.sessionId}/revoke`, { _csrf: windows.token });
      expect([revoked.status, revoked.headers.location]).toEqual([303, '/sessions']);
      expect(await iphoneLive.closed).toEqual({ code: SESSION_ENDED_CLOSE_CODE, reason: 'revoke' });
      // The page goes to /login?ended=revoke, which says what the issue asks for.
      const login = await iphone.get('/login?ended=revoke');
      expect(login.text).toContain('<div class="flash flash-info">You were signed out on another device.</div>');
      // Only that session's socket closed.
      expect(windowsLive.socket.readyState).toBe(WebSocket.OPEN);

      // "Sign out all other sessions" and the own Sign out give their own reasons.
      const tablet = await signedIn(username, SAFARI_IPHONE, '81.2.69.160');
      const tabletLive = await liveSocket(tablet);
      await windows.sessionsPage();
      await windows.post('/sessions/revoke-others', { _csrf: windows.token });
      expect(await tabletLive.closed).toEqual({ code: SESSION_ENDED_CLOSE_CODE, reason: 'revoke-others' });
      await windows.sessionsPage();
      await windows.post('/logout', { _csrf: windows.token });
      expect(await windowsLive.closed).toEqual({ code: SESSION_ENDED_CLOSE_CODE, reason: 'logout' });
    });

    it('refuses a socket without a signed-in session, and one opened by a page of another origin', async () => {
      const refusals = [connect(null), connect(null, { Cookie: `sessionid=${'q'.repeat(32)}` })];
      for (const refused of refusals) {
        expect(await answerTo(refused)).toEqual({ code: SESSION_ENDED_CLOSE_CODE, reason: 'unauthenticated' });
      }
      // A signed-in cookie, but sent by another site's page (the browser says which in Origin): the
      // library gives it no session (live.allowedOrigins holds SAMPLE_PUBLIC_URL's origin only).
      const { username } = await addUser();
      const browser = await signedIn(username, CHROME_WINDOWS);
      const foreign = connect(browser, { Origin: 'https://evil.example' });
      expect(await answerTo(foreign)).toEqual({ code: SESSION_ENDED_CLOSE_CODE, reason: 'unauthenticated' });
      // Other origins: another port of this host (cookies ignore ports: the cookie goes along),
      // another name for it, an opaque origin (a sandboxed page).
      const { hostname, port } = new URL(sample.url);
      for (const origin of [`http://${hostname}:${Number(port) + 1}`, `http://localhost:${port}`, 'null']) {
        const sibling = connect(browser, { Origin: origin });
        expect([origin, await answerTo(sibling)]).toEqual([
          origin,
          { code: SESSION_ENDED_CLOSE_CODE, reason: 'unauthenticated' },
        ]);
      }
      // The app's own pages send its own origin.
      const before = sample.app.get(LiveSessions).connectionCount;
      const own = connect(browser, { Origin: sample.url });
      await own.watching;
      expect(sample.app.get(LiveSessions).connectionCount).toBe(before + 1);
    });

    it("lists the caller's sessions over GraphQL, the current one marked", async () => {
      const { username } = await addUser();
      const windows = await signedIn(username, CHROME_WINDOWS, '89.160.20.112');
      const iphone = await signedIn(username, SAFARI_IPHONE, '81.2.69.160');
      // Another user's session is not listed.
      const { username: other } = await addUser();
      await signedIn(other, CHROME_WINDOWS);

      const result = await graphql<{ mySessions: DeviceSessionResult[] }>(windows, MY_SESSIONS);
      expect([result.status, result.errors]).toEqual([200, undefined]);
      const sessions = result.data!.mySessions;
      expect(sessions.map((session) => [session.id, session.current]).sort()).toEqual(
        [
          [windows.sessionId, true],
          [iphone.sessionId, false],
        ].sort(),
      );
      const seen = sessions.find((session) => session.id === iphone.sessionId)!;
      expect(seen).toMatchObject({
        label: null,
        device: 'Safari on iPhone',
        details: 'Safari 17 · iOS 17.4',
        deviceType: 'Phone',
        ip: '81.2.69.160',
        location: 'London, United Kingdom',
        current: false,
      });
      expect(new Date(seen.createdAt).getTime()).toBeLessThanOrEqual(Date.now());
      expect(new Date(seen.lastActive).getTime()).toBeGreaterThanOrEqual(new Date(seen.createdAt).getTime());
      expect(sessions.find((session) => session.current)).toMatchObject({
        device: 'Chrome on Windows',
        location: 'Linköping, Sweden',
      });
      // The other device sees itself as current.
      const fromIphone = await graphql<{ mySessions: DeviceSessionResult[] }>(iphone, MY_SESSIONS);
      expect(fromIphone.data!.mySessions.find((session) => session.current)!.id).toBe(iphone.sessionId);
    });

    it('ends another of the caller’s sessions with revokeSession, closing its live socket', async () => {
      const { username } = await addUser();
      const windows = await signedIn(username, CHROME_WINDOWS, '89.160.20.112');
      const iphone = await signedIn(username, SAFARI_IPHONE, '81.2.69.160');
      const iphoneLive = await liveSocket(iphone);
      const iphoneId = iphone.sessionId;

      const revoked = await graphql<{ revokeSession: boolean }>(windows, REVOKE, { id: iphoneId });
      expect([revoked.errors, revoked.data]).toEqual([undefined, { revokeSession: true }]);
      expect(await iphoneLive.closed).toEqual({ code: SESSION_ENDED_CLOSE_CODE, reason: 'revoke' });
      const bounced = await iphone.get('/sessions');
      expect(bounced.headers.location).toBe('/login?ended=revoke');
      const left = await graphql<{ mySessions: DeviceSessionResult[] }>(windows, MY_SESSIONS);
      expect(left.data!.mySessions.map((session) => session.id)).toEqual([windows.sessionId]);
      // Again: that session has ended.
      expect((await graphql(windows, REVOKE, { id: iphoneId })).data).toEqual({ revokeSession: false });
    });

    it("never ends another user's session or an unknown one through revokeSession", async () => {
      const { username } = await addUser();
      const alice = await signedIn(username, CHROME_WINDOWS);
      const { username: other } = await addUser();
      const bob = await signedIn(other, SAFARI_IPHONE);
      const bobLive = await liveSocket(bob);

      for (const id of [bob.sessionId, 'f'.repeat(64), 'not-an-id', '']) {
        const result = await graphql<{ revokeSession: boolean }>(alice, REVOKE, { id });
        expect([result.errors, result.data]).toEqual([undefined, { revokeSession: false }]);
      }
      expect((await bob.get('/sessions')).status).toBe(200);
      expect(bobLive.socket.readyState).toBe(WebSocket.OPEN);
      const listed = await graphql<{ mySessions: DeviceSessionResult[] }>(bob, MY_SESSIONS);
      expect(listed.data!.mySessions.map((session) => session.id)).toEqual([bob.sessionId]);
    });

    it('signs the caller out when revokeSession is given its own session', async () => {
      const { username } = await addUser();
      const browser = await signedIn(username, CHROME_WINDOWS);
      const live = await liveSocket(browser);
      const result = await graphql<{ revokeSession: boolean }>(browser, REVOKE, { id: browser.sessionId });
      expect(result.data).toEqual({ revokeSession: true });
      expect(sessionCookie(result.response.headers)?.attributes['max-age']).toBe('0');
      expect(await live.closed).toEqual({ code: SESSION_ENDED_CLOSE_CODE, reason: 'logout' });
      expect((await browser.get('/sessions')).headers.location).toBe('/login');
    });

    it('answers an unauthenticated query or mutation with a clear error', async () => {
      const { username } = await addUser();
      const victim = await signedIn(username, CHROME_WINDOWS);
      const expectRefused = (result: GraphqlResult<unknown>) => {
        expect(result.data).toBeNull();
        expect(result.errors).toHaveLength(1);
        expect(result.errors![0]).toMatchObject({
          message: 'Sign in first: this API works on the session of a signed-in browser.',
          extensions: { code: 'UNAUTHENTICATED' },
        });
      };
      expectRefused(await graphql(null, MY_SESSIONS));
      expectRefused(await graphql(null, REVOKE, { id: victim.sessionId }));
      // A cookie of no live session is no better.
      const stale = new Browser(sample.url, CHROME_WINDOWS);
      stale.key = 'q'.repeat(32);
      expectRefused(await graphql(stale, MY_SESSIONS));
      expect((await victim.get('/sessions')).status).toBe(200);
    });

    it('refuses what another site’s page could send (a form POST, text/plain, a GET), so no mutation runs', async () => {
      const { username } = await addUser();
      const windows = await signedIn(username, CHROME_WINDOWS);
      const iphone = await signedIn(username, SAFARI_IPHONE);
      const mutation = `mutation { revokeSession(id: "${iphone.sessionId}") }`;
      const withCookie = (call: request.Test) => call.set('Cookie', `sessionid=${windows.key}`);

      const form = await withCookie(request(sample.url).post('/graphql')).type('form').send({ query: mutation });
      const text = await withCookie(request(sample.url).post('/graphql'))
        .set('Content-Type', 'text/plain')
        .send(JSON.stringify({ query: mutation }));
      const get = await withCookie(request(sample.url).get('/graphql')).query({ query: MY_SESSIONS });
      for (const refused of [form, text, get]) {
        expect(refused.status).toBe(400);
        expect(refused.text).toContain('This operation has been blocked as a potential Cross-Site Request Forgery');
      }
      expect((await iphone.get('/sessions')).status).toBe(200);

      // The browser's own page can: a JSON POST needs no form token (see graphql-api.ts).
      const allowed = await graphql(windows, mutation);
      expect(allowed.data).toEqual({ revokeSession: true });
      expect((await iphone.get('/sessions')).status).toBe(303);
    });

    it('shows no GraphQL landing page to a browser', async () => {
      const page = await request(sample.url).get('/graphql').set('Accept', 'text/html');
      expect(page.status).toBe(400);
      expect(page.text).not.toContain('<script');
    });
  },
);
