import request from 'supertest';
import { LiveSessions, SESSION_ENDED_CLOSE_CODE } from '../lib/index.js';
import { digest } from './support/digest.js';
import { hostileCookiesAround } from './support/hostile-cookies.js';
import { variants } from './support/matrix.js';
import { SessionClient } from './support/session-client.js';
import {
  IoGuardOnlyGateway,
  IoSessionGateway,
  WsKeepOpenGateway,
  WsSessionGateway,
  type SocketWhoAmI,
} from './support/socket-gateways.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { connectSocket, type SocketKind, type TestSocket } from './support/test-sockets.js';
import { TestController } from './support/test.controller.js';
import { IntUser } from './support/users.js';

// WebSocket gateways on real servers, socket.io and ws, every engine, database, cache and HTTP
// adapter: the session comes from the handshake's cookie, the decorators work in message
// handlers, a handler saves explicitly, SocketSessionGuard refuses connections without a
// signed-in session, and a connection closes, with the reason, as soon as its session ends.

const kinds: SocketKind[] = ['socket.io', 'ws'];

describe.each(variants().flatMap((variant) => kinds.map((kind) => ({ ...variant, kind }))))(
  '$kind gateway on $name',
  (variant) => {
    const { kind } = variant;
    let t: TestApp;
    let users: { alice: IntUser; bob: IntUser };
    const open: TestSocket[] = [];

    beforeAll(async () => {
      t = await startTestApp(variant, {
        webSocketAdapter: kind,
        qsessions: { live: { allowedOrigins: ['https://app.example.com'] } },
        controllers: [TestController],
        providers: kind === 'ws' ? [WsSessionGateway, WsKeepOpenGateway] : [IoSessionGateway, IoGuardOnlyGateway],
      });
      const repository = t.dataSource.getRepository(IntUser);
      users = { alice: await repository.save({ username: 'alice' }), bob: await repository.save({ username: 'bob' }) };
    });
    afterEach(() => {
      for (const socket of open.splice(0)) socket.close();
    });
    afterAll(() => t?.close());

    function connect(cookie?: string, path?: string, origin?: string): TestSocket {
      const socket = connectSocket(kind, t.url, { cookie, path, origin });
      open.push(socket);
      return socket;
    }

    async function signedIn(userId: number, userAgent = 'Browser/1.0'): Promise<SessionClient> {
      const client = new SessionClient(t, userAgent);
      await client.send('post', '/set', { theme: 'light' });
      const response = await client.send('post', '/login', { userId });
      expect(response.status).toBe(200);
      return client;
    }

    function expectSessionEnded(end: { reason: string; code?: number }, reason: string): void {
      expect(end.reason).toBe(reason);
      if (kind === 'ws') expect(end.code).toBe(SESSION_ENDED_CLOSE_CODE);
    }

    it('a handshake with a signed-in cookie opens its session; the decorators read it in handlers', async () => {
      const browser = await signedIn(users.alice.id);
      const socket = connect(`sessionid=${browser.key}`);
      expect(await socket.hello).toEqual({ id: digest(browser.key!), userId: users.alice.id });
      const me = await socket.request<SocketWhoAmI>('whoami');
      expect(me).toMatchObject({ id: digest(browser.key!), userId: users.alice.id, userAgent: 'SocketTest/1.0' });
      expect(me.data).toMatchObject({ theme: 'light', userId: users.alice.id });
      expect(me.ip).toMatch(/127\.0\.0\.1$/);
    });

    it('a handshake without a cookie has no session; the guard refuses it and closes the connection', async () => {
      const socket = connect();
      expect(await socket.hello).toEqual({ id: null, userId: null });
      expect(await socket.request<SocketWhoAmI>('whoami')).toMatchObject({ id: null, userId: null });
      socket.send('guarded');
      expectSessionEnded(await socket.ended, 'unauthenticated');
    });

    it('hostile cookies open nothing, and only a well-formed key is looked up', async () => {
      const browser = await signedIn(users.bob.id);
      const hostile = hostileCookiesAround(browser.key!);
      for (const cookie of hostile) {
        t.queries.reset();
        const socket = connect(cookie);
        expect(await socket.hello).toEqual({ id: null, userId: null });
        expect(t.queries.reads).toEqual([]);
        socket.close();
      }
      // Well-formed but unknown: one lookup, no session.
      const socket = connect(`sessionid=${'q'.repeat(32)}`);
      expect(await socket.hello).toEqual({ id: null, userId: null });
    });

    it('a handshake from a page of another origin gets no session; the app’s own origin and allowed ones do', async () => {
      const browser = await signedIn(users.alice.id);
      const cookie = `sessionid=${browser.key}`;
      t.queries.reset();
      for (const origin of [
        'http://evil.example',
        'null',
        `${t.url}.evil.example`,
        t.url.replace('127.0.0.1', 'localhost'),
      ]) {
        expect(await connect(cookie, undefined, origin).hello).toEqual({ id: null, userId: null });
      }
      expect(t.queries.reads).toEqual([]);
      expect((await connect(cookie, undefined, t.url).hello).userId).toBe(users.alice.id);
      expect((await connect(cookie, undefined, 'https://app.example.com').hello).userId).toBe(users.alice.id);
    });

    it('a handler modifies the session and saves it; the next HTTP request and message see the change', async () => {
      const browser = await signedIn(users.alice.id);
      const socket = connect(`sessionid=${browser.key}`);
      await socket.hello;
      const saved = await socket.request<{ saved: boolean; data: Record<string, unknown> }>('set', {
        key: 'theme',
        value: 'dark',
      });
      expect(saved).toMatchObject({ saved: true, data: { theme: 'dark' } });
      const read = await browser.send('get', '/read_session');
      expect(read.body).toMatchObject({ theme: 'dark', userId: users.alice.id });
      // Changed over HTTP while connected: the guarded handler reads the session again.
      await browser.send('post', '/set', { cart: 3 });
      const again = await socket.request<{ data: Record<string, unknown> }>('set', { key: 'lang', value: 'fr' });
      expect(again.data).toMatchObject({ theme: 'dark', cart: 3, lang: 'fr' });
    });

    it('logout elsewhere closes the connection at once with reason "logout"', async () => {
      const browser = await signedIn(users.alice.id);
      const socket = connect(`sessionid=${browser.key}`);
      await socket.hello;
      await browser.send('post', '/logout');
      expectSessionEnded(await socket.ended, 'logout');
      expect(t.app.get(LiveSessions).connectionCount).toBe(0);
    });

    it('revoke(), revokeAll() and a deleted user close exactly the connections of the ended sessions', async () => {
      const laptop = await signedIn(users.bob.id, 'Laptop/1.0');
      const phone = await signedIn(users.bob.id, 'Phone/1.0');
      const laptopSocket = connect(`sessionid=${laptop.key}`);
      const laptopSecond = connect(`sessionid=${laptop.key}`);
      const phoneSocket = connect(`sessionid=${phone.key}`);
      await Promise.all([laptopSocket.hello, laptopSecond.hello, phoneSocket.hello]);

      await t.sessions.revoke(users.bob.id, digest(phone.key!), { reason: 'user-request' });
      expectSessionEnded(await phoneSocket.ended, 'user-request');
      expect(laptopSocket.isOpen()).toBe(true);

      const carol = await t.dataSource.getRepository(IntUser).save({ username: `carol-${Date.now()}` });
      const carolBrowser = await signedIn(carol.id);
      const carolSocket = connect(`sessionid=${carolBrowser.key}`);
      await carolSocket.hello;
      await t.dataSource.getRepository(IntUser).remove(carol);
      expectSessionEnded(await carolSocket.ended, 'user-deleted');

      await t.sessions.revokeAll(users.bob.id);
      const [first, second] = await Promise.all([laptopSocket.ended, laptopSecond.ended]);
      expectSessionEnded(first, 'revoke-all');
      expectSessionEnded(second, 'revoke-all');
    });

    it('a sign-in on the connection’s cookie (the key rotates) closes it with reason "rotated"', async () => {
      const browser = new SessionClient(t, 'Browser/1.0');
      await browser.send('post', '/set', { cart: 1 });
      const socket = connect(`sessionid=${browser.key}`);
      expect((await socket.hello).userId).toBeNull();
      await browser.send('post', '/login', { userId: users.alice.id });
      expectSessionEnded(await socket.ended, 'rotated');
    });

    if (kind === 'ws') {
      it('a gateway that opts out keeps its connections open when the session ends', async () => {
        const browser = await signedIn(users.alice.id);
        const kept = connect(`sessionid=${browser.key}`, '/keep-open');
        const closing = connect(`sessionid=${browser.key}`);
        expect((await kept.hello).id).toBe(digest(browser.key!));
        await closing.hello;
        await browser.send('post', '/logout');
        expectSessionEnded(await closing.ended, 'logout');
        expect(kept.isOpen()).toBe(true);
      });
    }

    if (kind === 'socket.io') {
      it('a gateway with the guard alone accepts the connection at its first message, and closes it at sign-out', async () => {
        const browser = await signedIn(users.bob.id);
        const socket = connect(`sessionid=${browser.key}`, '/guarded');
        expect(await socket.request('whoami')).toEqual({ id: digest(browser.key!), userId: users.bob.id });
        await browser.send('post', '/logout');
        expectSessionEnded(await socket.ended, 'logout');
        const anonymous = connect(undefined, '/guarded');
        anonymous.send('whoami');
        expectSessionEnded(await anonymous.ended, 'unauthenticated');
      });
    }

    it('a request to an unknown path still answers over HTTP (gateways do not take the HTTP routes)', async () => {
      await request(t.url).get('/read_session').expect(200);
    });
  },
);
